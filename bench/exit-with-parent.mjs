// Preloaded into every bench child (`node --import`): the bench holds our stdin open, so its end —
// even after the bench was SIGKILLed — means nobody will stop us. Then stop like on SIGTERM.
process.stdin
  .on('end', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 5000).unref();
  })
  .on('error', () => process.exit(1))
  .resume();
