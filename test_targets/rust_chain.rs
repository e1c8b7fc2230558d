// rust_chain: a known call chain built by Debian's rustc (no crates), for checking Rust stacks
// frame by frame: main -> hot::chain::outer -> middle -> leaf (#[inline(never)]) ->
// inlined_work (#[inline(always)], spinning). Names have `::` paths; mangled legacy or v0
// (-C symbol-mangling-version). Prints `ready` once inside leaf.
// Usage: rust_chain [--seconds S (0, the default: until killed)]

mod hot {
    pub mod chain {
        use std::io::Write;
        use std::time::{Duration, Instant};

        fn time_is_up(seconds: f64, start: Instant) -> bool {
            seconds > 0.0 && start.elapsed() >= Duration::from_secs_f64(seconds)
        }

        #[inline(always)]
        fn inlined_work(seconds: f64, mut x: u64) -> u64 {
            let start = Instant::now();
            loop {
                for _ in 0..10_000_000 {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    // Keeps the loop: an opaque read the optimizer cannot see through.
                    x = unsafe { std::ptr::read_volatile(&x) };
                }
                if time_is_up(seconds, start) {
                    return x;
                }
            }
        }

        #[inline(never)]
        pub fn leaf(seconds: f64, seed: u64) -> u64 {
            let mut out = std::io::stdout();
            let _ = out.write_all(b"ready\n");
            let _ = out.flush();
            inlined_work(seconds, seed)
        }

        #[inline(never)]
        pub fn middle(seconds: f64, seed: u64) -> u64 {
            leaf(seconds, seed ^ 0x5555).wrapping_add(3)  // not a tail call
        }

        #[inline(never)]
        pub fn outer(seconds: f64, seed: u64) -> u64 {
            middle(seconds, seed.rotate_left(7)).wrapping_add(5)  // not a tail call
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut seconds = 0.0;
    let mut i = 1;
    while i < args.len() {
        if args[i] == "--seconds" && i + 1 < args.len() {
            seconds = args[i + 1].parse().expect("--seconds takes a number");
            i += 1;
        } else {
            eprintln!("usage: rust_chain [--seconds S]");
            std::process::exit(2);
        }
        i += 1;
    }
    let result = hot::chain::outer(seconds, args.len() as u64);
    println!("{}", result & 1);
}
