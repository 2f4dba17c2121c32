/** Ink renders only a final frame when it thinks it runs in CI (it reads the environment
 *  once, when loaded). The live view is interactive by definition: it runs on a terminal,
 *  so these go before Ink is loaded. */
export function forgetCiEnvironment(): void {
  for (const name of Object.keys(process.env)) {
    if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_')) delete process.env[name];
  }
}
