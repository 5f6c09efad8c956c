#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for gobox's Kubernetes engine and its
# tests (issue 13; docs/kubernetes-cluster.md says what it is and is not). Run as root.
#
#   scripts/setup-k8s.sh build    build and cache kube-apiserver, kubelet, kubectl,
#                                 kube-controller-manager, etcd and the pause image
#   scripts/setup-k8s.sh up       build if needed, start the cluster; the LAST line of stdout is
#                                 the admin kubeconfig (progress goes to stderr)
#   scripts/setup-k8s.sh down     stop it and remove every trace of it (keeps the build cache and
#                                 the images containerd imported; `down --purge` drops those too)
#   scripts/setup-k8s.sh status   say whether it is up (exit 0 when up, 1 when not)
#   scripts/setup-k8s.sh reclaim  make Released cache volumes Available again (emptied)
#   scripts/setup-k8s.sh smoke    run a pod with gobox's security context to Succeeded
#
# Everything comes from package registries: Kubernetes and etcd from the Go module proxy,
# containerd, runc and the CNI plugins from Debian. The cluster runs its own containerd (own
# config, root, state and socket), never the one dockerd uses. No scheduler and no kube-proxy:
# pods name their node. A kube-controller-manager runs only the controllers a real cluster
# cannot do without for gobox: PersistentVolume binding and protection, service accounts, the
# root CA configmap, namespaces and garbage collection.
set -euo pipefail

K8S_VERSION=1.34.4          # k8s.io/kubernetes v1.34.4, staging modules v0.34.4
ETCD_VERSION=3.6.16         # go.etcd.io/etcd/server/v3
GO=${GOBOX_K8S_GO:-/usr/local/go/bin/go}

STATE=/var/lib/gobox-k8s    # build cache and cluster data; NOT under /var/lib/gobox (tests clean that)
RUN=/run/gobox-k8s          # sockets, pids, containerd state
LOGS=$STATE/logs
PKI=$STATE/pki
CFG=$STATE/config
KCFG=$STATE/kubeconfig
DATA=$STATE/data            # etcd, kubelet root, pod logs: removed by down
PV_ROOT=$STATE/volumes      # directories of the pre-created cache PersistentVolumes: removed by down
CTR_ROOT=$STATE/containerd  # containerd's root: images stay across down/up (a cache), containers do not
NODE_NAME=gobox-node
NAMESPACE=gobox
SANDBOX_IMAGE=${GOBOX_K8S_IMAGE:-gobox-base:bookworm}   # src/app/image/recipe.ts DEFAULT_IMAGE
PAUSE_IMAGE=registry.local/gobox-pause:1                # built here, never pulled
TOOLCHAIN_STORE=/var/lib/gobox/toolchains               # docs/toolchain-store.md
STORAGE_CLASS=gobox-local
PV_COUNT=${GOBOX_K8S_PVS:-20}
PV_SIZE=${GOBOX_K8S_PV_SIZE:-10Gi}
POD_CIDR=10.244.0.0/24      # stays on the bridge inside this machine
SERVICE_CIDR=10.96.0.0/24
BRIDGE=gobox-k8s0
CNI_NET=gobox-k8s
CNI_BIN=/usr/lib/cni        # Debian's containernetworking-plugins
CTR_SOCK=$RUN/containerd/containerd.sock
APISERVER_PORT=6443
ETCD_CLIENT=127.0.0.1:23790
ETCD_PEER=127.0.0.1:23800
KCM_PORT=10257
KUBELET_PORT=10250
KUBELET_HEALTHZ=10248
BINS_K8S="kube-apiserver kubelet kubectl kube-controller-manager"
# sysctls the kubelet sets when protectKernelDefaults is false; down puts the host's values back
KUBELET_SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf '%s\n' "setup-k8s: $*" >&2; }
die() { printf '%s\n' "setup-k8s: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it starts containerd and the kubelet)"

# The build cache's key names the versions and the Go that built them.
if GO_VERSION=$("$GO" env GOVERSION 2>/dev/null); then
  BIN_DIR=$STATE/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-$GO_VERSION
else
  # no Go: down and status still work with the newest build there is
  BIN_DIR=$(ls -1dt "$STATE"/bin/k8s-* 2>/dev/null | head -1 || true)
  BIN_DIR=${BIN_DIR:-$STATE/bin/none}
fi
bin_dir() { echo "$BIN_DIR"; }

go_env() {
  export GOCACHE=$STATE/gocache GOMODCACHE=$STATE/gomodcache GOFLAGS=-trimpath GOTOOLCHAIN=local
  export GOPATH=$STATE/gopath CGO_ENABLED=0
}

# --- build -------------------------------------------------------------------------------------
build_k8s() {
  local out=$1 mod=$STATE/build/k8s t0 b
  t0=$(date +%s)
  say "build: $BINS_K8S v$K8S_VERSION (about 20 min on 2 cores the first time, about 2 min from a warm Go cache)"
  rm -rf "$mod" && mkdir -p "$mod"
  ( cd "$mod"
    # k8s.io/kubernetes cannot be the main module: its replaces point at ./staging, which is not in
    # the module zip. A scratch module requires it and replaces each staging module by its release.
    "$GO" mod download -json "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null
    local kmod=$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/v$K8S_VERSION.mod staging pkgs="" v ld p
    staging=$(awk '$2=="=>" && $3 ~ /^\.\/staging\// {print $1}' "$kmod")
    [ -n "$staging" ] || die "build: no staging replaces found in $kmod"
    { echo "module gobox-k8s-build"
      echo
      grep -E '^go [0-9]' "$kmod"
      grep -E '^godebug ' "$kmod" || true
      echo
      echo "require k8s.io/kubernetes v$K8S_VERSION"
      echo
      echo "replace ("
      for m in $staging; do echo "	$m => $m v0.${K8S_VERSION#1.}"; done
      echo ")"
    } > go.mod
    for b in $BINS_K8S; do pkgs="$pkgs k8s.io/kubernetes/cmd/$b"; done
    local gets=()
    for p in $pkgs; do gets+=("$p@v$K8S_VERSION"); done
    "$GO" get "${gets[@]}" > get.log 2>&1 || { cat get.log >&2; die "build: go get of kubernetes v$K8S_VERSION failed"; }
    grep -v '^go: upgraded' get.log >&2 || true
    ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      v=$p
      ld="$ld -X $v.gitVersion=v$K8S_VERSION -X $v.gitMajor=${K8S_VERSION%%.*} -X $v.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
      ld="$ld -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
    done
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    # shellcheck disable=SC2086
    "$GO" build -ldflags "$ld" -o "$out.tmp/" $pkgs >&2
  )
  for b in $BINS_K8S; do mv "$out.tmp/$b" "$out/$b"; done
  rmdir "$out.tmp"
  say "build: kubernetes done in $(( $(date +%s) - t0 )) s"
}

build_etcd() {
  local out=$1 mod=$STATE/build/etcd t0
  t0=$(date +%s)
  say "build: etcd v$ETCD_VERSION (about 5 min on 2 cores the first time)"
  rm -rf "$mod" && mkdir -p "$mod"
  ( cd "$mod"
    printf 'module gobox-etcd-build\n\ngo 1.24\n' > go.mod
    "$GO" get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
    "$GO" build -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  )
  mv "$out/etcd.tmp" "$out/etcd"
  say "build: etcd done in $(( $(date +%s) - t0 )) s"
}

# The pause image: a static Go program that waits for SIGTERM/SIGINT, as a docker-save tarball.
build_pause() {
  local out=$1 d=$STATE/build/pause
  say "build: pause image"
  rm -rf "$d" && mkdir -p "$d/src" "$d/rootfs" "$d/img"
  cat > "$d/src/main.go" <<'EOF'
// The pod sandbox's placeholder process: holds the namespaces until the kubelet stops it.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	signal.Ignore(syscall.SIGCHLD)
	<-c
}
EOF
  printf 'module pause\n\ngo 1.24\n' > "$d/src/go.mod"
  ( cd "$d/src" && "$GO" build -ldflags "-s -w" -o "$d/rootfs/pause" . )
  docker_save_tar "$d" "$PAUSE_IMAGE" /pause "$out/pause.tar"
}

# docker_save_tar DIR REF ENTRYPOINT OUT: DIR/rootfs as a one-layer image in docker-save format.
docker_save_tar() {
  local d=$1 ref=$2 entry=$3 out=$4 layer diff cfg cfgsha
  ( cd "$d/rootfs" && tar --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$d/layer.tar" . )
  diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
  layer=$diff/layer.tar
  mkdir -p "$d/img/$diff" && mv "$d/layer.tar" "$d/img/$layer"
  cfg=$(printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["%s"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"gobox setup-k8s.sh"}]}' "$entry" "$diff")
  cfgsha=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" > "$d/img/$cfgsha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s"]}]' "$cfgsha" "$ref" "$layer" > "$d/img/manifest.json"
  ( cd "$d/img" && tar --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$out.tmp" . )
  mv "$out.tmp" "$out"
}

built() {
  local out=$1 b
  for b in $BINS_K8S etcd; do [ -x "$out/$b" ] || return 1; done
  [ -s "$out/pause.tar" ]
}

cmd_build() {
  local out t0 b need=0
  [ -n "${GO_VERSION:-}" ] || die "no Go at $GO to build with (set GOBOX_K8S_GO)"
  out=$(bin_dir)
  mkdir -p "$out" "$LOGS"
  go_env
  if built "$out"; then say "build: cached in $out"; return 0; fi
  t0=$(date +%s)
  for b in $BINS_K8S; do [ -x "$out/$b" ] || need=1; done
  [ "$need" = 0 ] || build_k8s "$out"
  [ -x "$out/etcd" ] || build_etcd "$out"
  [ -s "$out/pause.tar" ] || build_pause "$out"
  say "build: all done in $(( $(date +%s) - t0 )) s, cached in $out"
}

# --- host packages -----------------------------------------------------------------------------
ensure_packages() {
  local missing=""
  command -v containerd >/dev/null || missing="$missing containerd"
  command -v containerd-shim-runc-v2 >/dev/null || missing="$missing containerd"
  command -v runc >/dev/null || missing="$missing runc"
  [ -x "$CNI_BIN/bridge" ] && [ -x "$CNI_BIN/host-local" ] && [ -x "$CNI_BIN/loopback" ] || missing="$missing containernetworking-plugins"
  command -v iptables >/dev/null || missing="$missing iptables"
  command -v openssl >/dev/null || missing="$missing openssl"
  command -v curl >/dev/null || missing="$missing curl"
  command -v ip >/dev/null || missing="$missing iproute2"
  [ -z "$missing" ] && return 0
  say "installing from Debian:$missing"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2; } ||
    die "apt-get install$missing failed"
}

# --- processes ---------------------------------------------------------------------------------
# start NAME CMD...: a daemon in its own session, logging to $LOGS/NAME.log, pid in $RUN/pids.
start() {
  local name=$1; shift
  say "start $name"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/pids/$name.pid"
}

# pid_of NAME: the pid of a daemon this script started, if it is still that program.
pid_of() {
  local f=$RUN/pids/$1.pid p
  [ -s "$f" ] || return 1
  p=$(cat "$f")
  [ -r "/proc/$p/cmdline" ] || return 1
  local want
  want="$(bin_dir)/$1 "
  [ "$1" != containerd ] || want="containerd --config $CFG/containerd.toml"
  tr '\0' ' ' < "/proc/$p/cmdline" | grep -qF -- "$want" || return 1
  echo "$p"
}

stop_daemon() {
  local name=$1 p i
  p=$(pid_of "$name") || { rm -f "$RUN/pids/$name.pid"; return 0; }
  say "stop $name (pid $p)"
  kill -TERM "$p" 2>/dev/null || true
  for i in $(seq 1 100); do [ -d "/proc/$p" ] || break; sleep 0.2; done
  if [ -d "/proc/$p" ]; then say "$name did not stop in 20 s; killing it"; kill -KILL "$p" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$RUN/pids/$name.pid"
}

# wait_for WHAT SECONDS CMD...: run CMD until it succeeds, at most SECONDS. When WHAT names a
# daemon (or "node ...": the kubelet) that has exited meanwhile, fail at once with its last log line.
wait_for() {
  local what=$1 secs=$2 end d; shift 2
  d=${what%% *}; [ "$d" != node ] || d=kubelet
  end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ -s "$RUN/pids/$d.pid" ] && ! pid_of "$d" >/dev/null; then
      die "$d exited: $(tail -n 1 "$LOGS/$d.log" 2>/dev/null | cut -c1-300) (see $LOGS/$d.log)"
    fi
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.5
  done
  say "$what ready"
}

node_ip() {
  local dev ip
  dev=$(ip -4 route show default 2>/dev/null | awk '{for (i=1;i<NF;i++) if ($i=="dev") {print $(i+1); exit}}')
  [ -n "$dev" ] && ip=$(ip -4 -o addr show dev "$dev" scope global 2>/dev/null | awk '{sub(/\/.*/,"",$4); print $4; exit}')
  if [ -z "${ip:-}" ]; then
    ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '$2!="docker0" && $2!="'"$BRIDGE"'" {sub(/\/.*/,"",$4); print $4; exit}')
  fi
  [ -n "${ip:-}" ] || die "no non-loopback IPv4 address for the node (the kubelet refuses a loopback node IP)"
  echo "$ip"
}

kubectl_() { "$(bin_dir)/kubectl" --kubeconfig "$KCFG/admin.kubeconfig" --request-timeout=20s "$@"; }
ctr_() { ctr --address "$CTR_SOCK" -n k8s.io "$@"; }

# --- PKI and kubeconfigs -----------------------------------------------------------------------
# cert NAME CN ORG USAGE [SAN]: an EC key and a certificate signed by the cluster CA.
cert() {
  local name=$1 cn=$2 org=$3 usage=$4 san=${5:-} subj ext
  subj="/CN=$cn"; [ -z "$org" ] || subj="/O=$org$subj"
  ext=$PKI/$name.ext
  { echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } > "$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

# kubeconfig OUT USER CERTNAME SERVER
kubeconfig() {
  local out=$1 user=$2 name=$3 server=$4
  umask 077
  cat > "$out" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: gobox-k8s
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$name.crt")
    client-key-data: $(base64 -w0 "$PKI/$name.key")
contexts:
- name: gobox-k8s
  context:
    cluster: gobox-k8s
    user: $user
    namespace: $NAMESPACE
current-context: gobox-k8s
EOF
  umask 022
}

make_pki() {
  local ip=$1 server=https://127.0.0.1:$APISERVER_PORT
  rm -rf "$PKI" "$KCFG" && mkdir -p "$PKI" "$KCFG" && chmod 700 "$PKI" "$KCFG"
  say "pki: a new CA and certificates (openssl, EC P-256)"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=gobox-k8s-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
  cert apiserver kube-apiserver "" serverAuth \
    "IP:127.0.0.1,IP:$ip,IP:${SERVICE_CIDR%.*}.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters clientAuth
  cert admin gobox-admin system:masters clientAuth
  cert kubelet "system:node:$NODE_NAME" system:nodes clientAuth
  cert kubelet-serving "$NODE_NAME" "" serverAuth "IP:$ip,IP:127.0.0.1,DNS:$NODE_NAME"
  cert kcm system:kube-controller-manager "" clientAuth
  cert engine gobox-engine gobox:engines clientAuth
  cert nobody gobox-nobody "" clientAuth
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  kubeconfig "$KCFG/admin.kubeconfig" gobox-admin admin "$server"
  kubeconfig "$KCFG/kubelet.kubeconfig" "system:node:$NODE_NAME" kubelet "$server"
  kubeconfig "$KCFG/kcm.kubeconfig" system:kube-controller-manager kcm "$server"
  kubeconfig "$KCFG/engine.kubeconfig" gobox-engine engine "$server"
  kubeconfig "$KCFG/nobody.kubeconfig" gobox-nobody nobody "$server"
}

# --- configs -----------------------------------------------------------------------------------
write_configs() {
  local ip=$1
  mkdir -p "$CFG" "$STATE/cni/net.d"
  cat > "$CFG/containerd.toml" <<EOF
# gobox-k8s's own containerd: never the one dockerd uses (scripts/setup-k8s.sh)
version = 2
root = "$CTR_ROOT"
state = "$RUN/containerd"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CTR_SOCK"

[ttrpc]
  address = ""

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # this VM's root lacks CAP_SYS_RESOURCE: runc cannot lower the pause container's oom_score_adj
  restrict_oom_score_adj = true
  enable_selinux = false
  disable_apparmor = true
  # pods' network namespaces under $RUN, not /var/run/netns: down unmounts them with the rest
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$STATE/cni/net.d"
    max_conf_num = 1
EOF
  # No ipMasq and no portmap: the bridge plugin then adds no iptables rules to the host.
  cat > "$STATE/cni/net.d/10-$CNI_NET.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$RUN/cni-ipam"
      }
    }
  ]
}
EOF
  cat > "$CFG/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ
containerRuntimeEndpoint: unix://$CTR_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
protectKernelDefaults: false
podLogsDir: $DATA/pod-logs
volumePluginDir: $DATA/kubelet-plugins
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
# the imported images are the only copies (no registry): never garbage-collect them
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
resolvConf: /etc/resolv.conf
serializeImagePulls: false
EOF
}

apply_objects() {
  local i n
  say "objects: namespace $NAMESPACE, serviceaccount default, kube-root-ca.crt, RBAC, StorageClass $STORAGE_CLASS, $PV_COUNT PersistentVolumes"
  mkdir -p "$PV_ROOT"
  {
    cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: $NAMESPACE
automountServiceAccountToken: false
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-root-ca.crt
  namespace: $NAMESPACE
data:
  ca.crt: |
$(sed 's/^/    /' "$PKI/ca.crt")
---
# What gobox's engine needs in its namespace (engine.kubeconfig's user gobox-engine, group
# gobox:engines). nobody.kubeconfig's user gobox-nobody has no role: RBAC forbids it pods.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: gobox-engine
  namespace: $NAMESPACE
rules:
- apiGroups: [""]
  resources: [pods, persistentvolumeclaims]
  verbs: [get, list, watch, create, delete, deletecollection, patch, update]
- apiGroups: [""]
  resources: [pods/exec, pods/attach]
  verbs: [get, create]
- apiGroups: [""]
  resources: [pods/log, pods/status, events, serviceaccounts, configmaps, resourcequotas, limitranges]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch, create, delete, deletecollection, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: gobox-engine
  namespace: $NAMESPACE
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: gobox-engine
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: gobox:engines
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: gobox-engine-read
rules:
- apiGroups: [""]
  resources: [nodes, namespaces, persistentvolumes]
  verbs: [get, list, watch]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: gobox-engine-read
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: gobox-engine-read
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: gobox:engines
---
# No dynamic provisioner: pre-created local volumes, bound to claims by the controller-manager's
# PersistentVolume binder (Immediate: WaitForFirstConsumer needs a scheduler). fsGroup owns them.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $STORAGE_CLASS
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
    # The toolchain store as a read-only claim too, for namespaces whose Pod Security level forbids
    # hostPath. Mount it with persistentVolumeClaim.readOnly: true (else fsGroup would chown it).
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: gobox-toolchains
  labels:
    gobox.dev/cluster: setup-k8s-toolchains
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  volumeMode: Filesystem
  claimRef:
    namespace: $NAMESPACE
    name: gobox-toolchains
  local:
    path: $TOOLCHAIN_STORE
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - key: kubernetes.io/hostname
          operator: In
          values: [$NODE_NAME]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: gobox-toolchains
  namespace: $NAMESPACE
spec:
  accessModes: [ReadOnlyMany]
  storageClassName: ""
  volumeName: gobox-toolchains
  resources:
    requests:
      storage: 1Gi
EOF
    for i in $(seq 0 $((PV_COUNT - 1))); do
      n=$(printf '%s-pv-%02d' "$STORAGE_CLASS" "$i")
      mkdir -p "$PV_ROOT/$n"
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $n
  labels:
    gobox.dev/cluster: setup-k8s
spec:
  capacity:
    storage: $PV_SIZE
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $STORAGE_CLASS
  volumeMode: Filesystem
  local:
    path: $PV_ROOT/$n
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - key: kubernetes.io/hostname
          operator: In
          values: [$NODE_NAME]
EOF
    done
  } > "$CFG/objects.yaml"
  kubectl_ apply --server-side --force-conflicts --field-manager=setup-k8s -f "$CFG/objects.yaml" >&2 || die "kubectl apply of $CFG/objects.yaml failed"
}

import_images() {
  local bins=$1 id old
  say "images: import $PAUSE_IMAGE"
  ctr_ images import "$bins/pause.tar" >&2 || die "ctr import of the pause image failed"
  if ! id=$(docker image inspect -f '{{.Id}}' "$SANDBOX_IMAGE" 2>/dev/null); then
    say "images: $SANDBOX_IMAGE is not in the local Docker engine; build it (gobox image build) and run up again to import it"
    return 0
  fi
  old=$(cat "$CTR_ROOT/.gobox-sandbox-image-id" 2>/dev/null || true)
  if [ "$id" = "$old" ] && ctr_ images ls -q | grep -qx "docker.io/library/$SANDBOX_IMAGE\|$SANDBOX_IMAGE"; then
    say "images: $SANDBOX_IMAGE already imported ($id)"
    return 0
  fi
  say "images: import $SANDBOX_IMAGE from Docker ($id)"
  docker save "$SANDBOX_IMAGE" | ctr_ images import - >&2 || die "importing $SANDBOX_IMAGE from Docker failed"
  echo "$id" > "$CTR_ROOT/.gobox-sandbox-image-id"
}

# --- status ------------------------------------------------------------------------------------
is_up() {
  local d
  for d in containerd etcd kube-apiserver kube-controller-manager kubelet; do pid_of "$d" >/dev/null || return 1; done
  [ -s "$KCFG/admin.kubeconfig" ] || return 1
  kubectl_ get --raw /readyz >/dev/null 2>&1 || return 1
  node_ready
}
node_ready() { [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }

cmd_status() {
  local d p
  if is_up; then
    echo "up: node $NODE_NAME Ready, apiserver https://127.0.0.1:$APISERVER_PORT, namespace $NAMESPACE"
    for d in containerd etcd kube-apiserver kube-controller-manager kubelet; do
      p=$(pid_of "$d"); echo "  $d pid $p rss $(awk '/VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$p/status")"
    done
    echo "$KCFG/admin.kubeconfig"
    return 0
  fi
  local any=""
  for d in containerd etcd kube-apiserver kube-controller-manager kubelet; do pid_of "$d" >/dev/null && any="$any $d"; done
  if [ -n "$any" ]; then echo "not up: running but not ready:$any (run: $0 down; $0 up)"; else echo "down"; fi
  return 1
}

# --- up ----------------------------------------------------------------------------------------
cmd_up() {
  local t0 bins ip s
  t0=$(date +%s)
  if is_up; then
    say "already up"
    import_images "$(bin_dir)"
    echo "$KCFG/admin.kubeconfig"
    return 0
  fi
  if [ -d "$RUN" ] || [ -d "$DATA" ]; then say "a previous cluster is partly there: tearing it down first"; cmd_down; fi
  ensure_packages
  cmd_build
  bins=$(bin_dir)
  ip=$(node_ip)
  say "node $NODE_NAME at $ip (cgroup $( [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v2 || echo v1 ), $(iptables --version))"
  mkdir -p "$RUN/pids" "$RUN/cni-ipam" "$LOGS" "$DATA/etcd" "$DATA/kubelet" "$DATA/pod-logs" "$CTR_ROOT"
  for s in $KUBELET_SYSCTLS; do echo "$s $(sysctl -n "$s")"; done > "$RUN/sysctl.before"
  for s in containerd etcd kube-apiserver kube-controller-manager kubelet; do
    [ ! -s "$LOGS/$s.log" ] || mv "$LOGS/$s.log" "$LOGS/$s.log.prev"
  done
  make_pki "$ip"
  write_configs "$ip"

  start containerd containerd --config "$CFG/containerd.toml"
  wait_for containerd 30 ctr --address "$CTR_SOCK" version || die "containerd did not start in 30 s (see $LOGS/containerd.log)"
  import_images "$bins"

  start etcd "$bins/etcd" --name gobox --data-dir "$DATA/etcd" \
    --listen-client-urls "http://$ETCD_CLIENT" --advertise-client-urls "http://$ETCD_CLIENT" \
    --listen-peer-urls "http://$ETCD_PEER" --initial-advertise-peer-urls "http://$ETCD_PEER" \
    --initial-cluster "gobox=http://$ETCD_PEER" --log-level warn --quota-backend-bytes 2147483648
  wait_for etcd 30 curl -fsS "http://$ETCD_CLIENT/health" || die "etcd did not start in 30 s (see $LOGS/etcd.log)"

  start kube-apiserver "$bins/kube-apiserver" \
    --etcd-servers "http://$ETCD_CLIENT" \
    --bind-address 0.0.0.0 --secure-port "$APISERVER_PORT" --advertise-address "$ip" \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --allow-privileged=false --profiling=false --v=1
  wait_for kube-apiserver 90 curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz" || die "kube-apiserver not ready in 90 s (see $LOGS/kube-apiserver.log)"

  start kube-controller-manager "$bins/kube-controller-manager" \
    --kubeconfig "$KCFG/kcm.kubeconfig" --authentication-kubeconfig "$KCFG/kcm.kubeconfig" --authorization-kubeconfig "$KCFG/kcm.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --cert-dir "$DATA/kcm-certs" --leader-elect=false \
    --controllers persistentvolume-binder-controller,persistentvolume-protection-controller,persistentvolumeclaim-protection-controller,serviceaccount-controller,root-ca-certificate-publisher-controller,namespace-controller,garbage-collector-controller \
    --authentication-skip-lookup=true --client-ca-file "$PKI/ca.crt" \
    --root-ca-file "$PKI/ca.crt" --use-service-account-credentials=true --profiling=false --v=1
  wait_for kube-controller-manager 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz" || die "kube-controller-manager not healthy in 60 s (see $LOGS/kube-controller-manager.log)"

  start kubelet "$bins/kubelet" --config "$CFG/kubelet.yaml" --kubeconfig "$KCFG/kubelet.kubeconfig" \
    --root-dir "$DATA/kubelet" --cert-dir "$DATA/kubelet/pki" --hostname-override "$NODE_NAME" --node-ip "$ip" --v=1
  wait_for "node $NODE_NAME" 120 node_ready ||
    die "node $NODE_NAME not Ready in 120 s (see $LOGS/kubelet.log)"

  apply_objects
  wait_for "serviceaccount $NAMESPACE/default" 30 kubectl_ -n "$NAMESPACE" get serviceaccount default || die "no serviceaccount default in $NAMESPACE"

  if [ -d "$TOOLCHAIN_STORE" ]; then
    say "toolchains: the host's store $TOOLCHAIN_STORE is usable in pods as a read-only hostPath volume (hostPath: {path: $TOOLCHAIN_STORE, type: Directory}; single node)"
  else
    say "toolchains: no store at $TOOLCHAIN_STORE yet (gobox toolchain import/install makes it); pods mount it as a read-only hostPath volume"
  fi
  say "up in $(( $(date +%s) - t0 )) s; restricted kubeconfigs: $KCFG/engine.kubeconfig (gobox's RBAC), $KCFG/nobody.kubeconfig (no rights)"
  echo "$KCFG/admin.kubeconfig"
}

# --- down --------------------------------------------------------------------------------------
cmd_down() {
  local purge=${1:-} c m p k v i bins left
  bins=$(bin_dir)
  say "down"
  # 1. Let the kubelet stop the pods itself (it tears down their network through CNI).
  if pid_of kubelet >/dev/null && pid_of kube-apiserver >/dev/null && [ -x "$bins/kubectl" ]; then
    kubectl_ delete pods --all --all-namespaces --grace-period=2 --wait=true --timeout=60s >/dev/null 2>&1 || say "some pods did not stop in 60 s; killing them"
  fi
  stop_daemon kubelet
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
  stop_daemon etcd
  # 2. Whatever containerd still runs: remember the network namespaces, kill, delete.
  : > "$RUN/netns.left" 2>/dev/null || true
  if pid_of containerd >/dev/null; then
    for c in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ containers info "$c" 2>/dev/null | grep -oE '"(/var)?/run/netns/cni-[0-9a-f-]*"' | tr -d '"' >> "$RUN/netns.left" || true
      ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    done
    for c in $(ctr_ containers ls -q 2>/dev/null); do
      for i in 1 2 3 4 5 6 7 8 9 10; do ctr_ tasks delete -f "$c" >/dev/null 2>&1 && break; ctr_ tasks ls -q 2>/dev/null | grep -qx "$c" || break; sleep 0.5; done
      ctr_ containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  stop_daemon containerd
  # 3. Shims of this containerd (found by its socket path, which names nothing else).
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q "containerd-shim.* -address $CTR_SOCK" && { kill -KILL "${p#/proc/}" 2>/dev/null || true; }
  done
  # 4. Mounts under the state and run dirs, deepest first.
  for i in 1 2 3; do
    m=$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($STATE|$RUN)/" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-) || true
    [ -n "$m" ] || break
    while read -r p; do umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true; done <<< "$m"
  done
  # 5. Network namespaces, the bridge, iptables rules the CNI plugins left (none with this config).
  if [ -s "$RUN/netns.left" ]; then
    sort -u "$RUN/netns.left" | while read -r p; do umount "$p" 2>/dev/null || true; rm -f "$p"; done
  fi
  ip link del "$BRIDGE" 2>/dev/null || true
  for k in nat filter; do
    iptables -t "$k" -S 2>/dev/null | grep -e "--comment \"name: \\\\\"$CNI_NET\\\\\"" | grep '^-A' | sed 's/^-A/-D/' | while read -r v; do
      eval "iptables -t $k $v" 2>/dev/null || true
    done || true
  done
  # 6. cgroups the kubelet and runc made (cgroupfs driver: kubepods under every hierarchy).
  for p in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods.slice /sys/fs/cgroup/kubepods.slice; do
    [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  # 7. The host's sysctls as they were, pod log links, state.
  if [ -s "$RUN/sysctl.before" ]; then
    while read -r k v; do sysctl -q -w "$k=$v" >/dev/null 2>&1 || true; done < "$RUN/sysctl.before"
  fi
  if [ -d /var/log/containers ]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$DATA/*" -delete 2>/dev/null || true
    rmdir /var/log/containers 2>/dev/null || true
  fi
  rm -rf "$RUN" "$DATA" "$PV_ROOT" "$PKI" "$KCFG" "$CFG" "$STATE/cni" "$STATE/opt" "$STATE/build/pause"
  if [ -d "$CTR_ROOT" ]; then
    rm -rf "$CTR_ROOT/io.containerd.grpc.v1.cri" "$CTR_ROOT/io.containerd.runtime.v2.task"
  fi
  if [ "$purge" = --purge ]; then rm -rf "$CTR_ROOT"; say "purged containerd's images"; fi
  # 8. Prove it.
  left=$(awk '{print $5}' /proc/self/mountinfo | grep -cE "^($STATE|$RUN)(/|$)" || true)
  [ "$left" = 0 ] || say "warning: $left mounts under $STATE or $RUN remain"
  ! ip link show "$BRIDGE" >/dev/null 2>&1 || say "warning: bridge $BRIDGE remains"
  say "down: done (build cache kept in $STATE/bin, $STATE/gocache, $STATE/gomodcache; logs in $LOGS)"
}

cmd_reclaim() {
  local pv path
  is_up || die "the cluster is not up"
  for pv in $(kubectl_ get pv -l gobox.dev/cluster=setup-k8s -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    path=$(kubectl_ get pv "$pv" -o jsonpath='{.spec.local.path}')
    case "$path" in "$PV_ROOT"/*) ;; *) die "pv $pv has an unexpected path $path" ;; esac
    find "$path" -mindepth 1 -delete
    chown 0:0 "$path" && chmod 00755 "$path"
    kubectl_ patch pv "$pv" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >&2
    say "reclaimed $pv"
  done
}

# A pod with gobox's security context that runs `go version` from the host's toolchain store; it
# must reach Succeeded. Prints the seconds it took and the pod's output.
cmd_smoke() {
  local t0 gover phase="" i
  is_up || die "the cluster is not up (scripts/setup-k8s.sh up)"
  gover=$(find "$TOOLCHAIN_STORE" -mindepth 1 -maxdepth 1 -name 'go[0-9]*' -printf '%f\n' 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$gover" ] || die "no toolchain in $TOOLCHAIN_STORE (gobox toolchain import /usr/local/go)"
  t0=$(date +%s%N)
  kubectl_ -n "$NAMESPACE" delete pod gobox-smoke --ignore-not-found --wait=true >/dev/null 2>&1 || true
  kubectl_ apply -f - >&2 <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: gobox-smoke
  namespace: $NAMESPACE
  labels: {app.kubernetes.io/managed-by: setup-k8s}
spec:
  nodeName: $NODE_NAME
  restartPolicy: Never
  activeDeadlineSeconds: 120
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    runAsUser: 1000
    runAsGroup: 1000
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: go
    image: $SANDBOX_IMAGE
    imagePullPolicy: Never
    command: [/toolchains/$gover/bin/go, version]
    env:
    - {name: HOME, value: /tmp}
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    resources:
      requests: {memory: 64Mi, cpu: 100m}
      limits: {memory: 256Mi, cpu: "1", ephemeral-storage: 64Mi}
    volumeMounts:
    - {name: tmp, mountPath: /tmp}
    - {name: toolchains, mountPath: /toolchains, readOnly: true}
  volumes:
  - name: tmp
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
  - name: toolchains
    hostPath: {path: $TOOLCHAIN_STORE, type: Directory}
EOF
  for i in $(seq 1 240); do
    phase=$(kubectl_ -n "$NAMESPACE" get pod gobox-smoke -o jsonpath='{.status.phase}' 2>/dev/null || true)
    case "$phase" in Succeeded|Failed) break ;; esac
    sleep 0.5
  done
  say "smoke: pod gobox-smoke ${phase:-missing} after $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(kubectl_ -n "$NAMESPACE" logs gobox-smoke 2>&1 | head -3)"
  [ "$phase" = Succeeded ] || die "smoke: the pod ended ${phase:-missing} (kubectl -n $NAMESPACE describe pod gobox-smoke)"
  kubectl_ -n "$NAMESPACE" delete pod gobox-smoke --wait=true >/dev/null 2>&1 || true
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  reclaim) cmd_reclaim ;;
  smoke) cmd_smoke ;;
  *) die "usage: $0 build|up|down [--purge]|status|reclaim|smoke" ;;
esac
