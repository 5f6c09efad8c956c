import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase } from 'vitest/node';

/**
 * Names every test that passed only on a retry. CI retries an engine test once (a 2-core
 * machine shared with other work has timing noise a real engine cannot hide), and a retry must
 * never hide a flaky test: each one is printed at the end and, with GOBOX_FLAKY_FILE set,
 * written there one per line for the CI's closing summary.
 */
export default class FlakyReporter implements Reporter {
  private readonly flaky: string[] = [];

  onTestCaseResult(test: TestCase): void {
    const d = test.diagnostic();
    if (d?.flaky) this.flaky.push(`${test.module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName} (retried ${d.retryCount}x)`);
  }

  onTestRunEnd(): void {
    if (this.flaky.length === 0) return;
    process.stdout.write(`\nPassed only on a retry (flaky, look into these):\n${this.flaky.map((f) => `  ${f}\n`).join('')}`);
    if (process.env.GOBOX_FLAKY_FILE) appendFileSync(process.env.GOBOX_FLAKY_FILE, this.flaky.map((f) => `${f}\n`).join(''));
  }
}
