module gobox.local/forwarder

go 1.19
