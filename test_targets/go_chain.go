// go_chain: a known call chain built by Debian's Go, for checking Go stacks frame by frame:
// runtime.main -> main.main -> main.outer -> main.middle -> main.leaf (//go:noinline, spinning).
// Alloc mode: leaf allocates 64 KiB buffers, so that the runtime runs on the g0 stack
// (runtime.systemstack: span allocation, GC work) under it and in GC workers.
// Prints `ready` once inside leaf. No packages beyond the standard library.
// Usage: go_chain [-seconds S (0, the default: until killed)] [-alloc]
package main

import (
	"flag"
	"os"
	"time"
)

var sink uint64
var buffers [][]byte
var alloc = flag.Bool("alloc", false, "allocate 64 KiB buffers instead of spinning")

func timeIsUp(seconds float64, start time.Time) bool {
	return seconds > 0 && time.Since(start).Seconds() >= seconds
}

//go:noinline
func leaf(seconds float64, x uint64) uint64 {
	os.Stdout.Write([]byte("ready\n"))
	start := time.Now()
	buffers = make([][]byte, 64)
	for {
		for i := 0; i < 10000000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
			if *alloc {
				buffers[x%64] = make([]byte, 64<<10)
				i += 1000
			}
		}
		if timeIsUp(seconds, start) {
			return x
		}
	}
}

//go:noinline
func middle(seconds float64, x uint64) uint64 {
	return leaf(seconds, x^0x5555) + 3
}

//go:noinline
func outer(seconds float64, x uint64) uint64 {
	return middle(seconds, x<<7|x>>57) + 5
}

func main() {
	seconds := flag.Float64("seconds", 0, "seconds to spin (0: until killed)")
	flag.Parse()
	sink = outer(*seconds, uint64(len(os.Args)))
}
