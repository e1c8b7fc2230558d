"""cspy's benchmark driver (bench/run.sh): target slowdown, cspy's own cost, accuracy,
latency, sample fidelity and memory, each measured side by side in one run."""
