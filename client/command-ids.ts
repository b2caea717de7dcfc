// The command ids the extension registers; package.json's contributes.commands must list exactly these.
export const COMMANDS = {
  restartServer: 'aria.restartServer',
  showOutput: 'aria.showOutput',
  explainEffect: 'aria.explainEffect',
  run: 'aria.run',
  debug: 'aria.debug',
  runTest: 'aria.test.run',
  debugTest: 'aria.test.debug',
  exploreTest: 'aria.test.explore',
  debugSchedule: 'aria.debugSchedule',
} as const;
