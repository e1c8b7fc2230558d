// A hot JavaScript loop for the JIT checks: V8 compiles innerHotLoop, and with
// `node --perf-basic-prof` names it in /tmp/perf-PID.map. Runs for argv[2] seconds
// (default 5); prints "ready" once started.
"use strict";

function innerHotLoop(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i * i) % 1000003;
  return s;
}

function outer(end) {
  let t = 0;
  while (Date.now() < end) t += innerHotLoop(1e6);
  return t;
}

const seconds = Number(process.argv[2] || 5);
console.log("ready");
console.log(`total ${outer(Date.now() + 1000 * seconds)}`);
