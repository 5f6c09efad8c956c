module gobox.local/shimclient

go 1.19
