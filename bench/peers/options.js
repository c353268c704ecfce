'use strict';
// The load generators' shared command line and percentile math; mirrors bench/Shared/*.cs exactly.

const USAGE =
  'usage: URL [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N] [--connections C] [--idle]\n' +
  '  durations: 250us, 500ms, 3s, 1m';

const UNITS = [['us', 1e-3], ['ms', 1], ['s', 1e3], ['m', 60e3]];

/** Parses `250us`, `500ms`, `3s`, `1m` into milliseconds; returns NaN when invalid. */
function parseDuration(text) {
  if (typeof text !== 'string') return NaN;
  for (const [suffix, ms] of UNITS) {
    if (text.endsWith(suffix)) {
      const number = text.slice(0, -suffix.length);
      return /^\d+(\.\d+)?$/.test(number) ? Number(number) * ms : NaN;
    }
  }
  return NaN;
}

function positiveInt(text) {
  return /^\d+$/.test(text ?? '') && Number(text) > 0 ? Number(text) : NaN;
}

/** Parses argv (without node and the script) into options; throws an Error with a message on bad input. */
function parseLoadOptions(argv) {
  const options = {
    url: null, size: 32, window: 64, durationMs: 5000, warmupMs: 1000, count: 0, connections: 1, mode: 'throughput',
  };
  const valued = {
    '--size': (v) => { options.size = positiveInt(v); return options.size; },
    '--window': (v) => { options.window = positiveInt(v); return options.window; },
    '--connections': (v) => { options.connections = positiveInt(v); return options.connections; },
    '--count': (v) => { options.count = /^\d+$/.test(v ?? '') ? Number(v) : NaN; return options.count; },
    '--duration': (v) => { options.durationMs = parseDuration(v); return options.durationMs; },
    '--warmup': (v) => { options.warmupMs = parseDuration(v); return options.warmupMs; },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--latency' || arg === '--idle') {
      const mode = arg.slice(2);
      if (options.mode !== 'throughput' && options.mode !== mode) throw new Error(`invalid argument '${arg}'`);
      options.mode = mode;
    } else if (arg in valued) {
      if (Number.isNaN(valued[arg](argv[i + 1]))) throw new Error(`invalid argument '${arg}' '${argv[i + 1]}'`);
      i++;
    } else if (!arg.startsWith('--') && options.url === null && /^wss?:\/\//.test(arg)) {
      options.url = arg;
    } else {
      throw new Error(`invalid argument '${arg}'`);
    }
  }
  if (options.url === null) throw new Error('missing URL');
  return options;
}

/** Nearest-rank percentile of an ascending array: the smallest sample with at least `fraction` of samples at or below it. */
function percentileOfSorted(sorted, fraction) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

/** The contract's last stdout line; bench/run.sh parses it. */
function formatResult({ msgsPerS = 0, mbPerS = 0, p50 = 0, p99 = 0, p999 = 0 } = {}) {
  return `result: msgs_per_s=${msgsPerS.toFixed(1)} MB_per_s=${mbPerS.toFixed(3)} ` +
    `p50_us=${p50.toFixed(1)} p99_us=${p99.toFixed(1)} p999_us=${p999.toFixed(1)}`;
}

module.exports = { USAGE, parseDuration, parseLoadOptions, percentileOfSorted, formatResult };
