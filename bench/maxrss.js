// Preloaded by bench/synth.ts: writes this process's peak RSS (KiB) to $VN_MAXRSS_FILE at exit.
process.on('exit', () => {
  if (process.env.VN_MAXRSS_FILE) require('fs').writeFileSync(process.env.VN_MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
