package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("hello from a gobox sandbox, built with %s\n", runtime.Version())
}
