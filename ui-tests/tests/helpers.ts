import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page, TestInfo } from '@playwright/test';
import * as path from 'path';

/** Helpers shared by the specs that label in a real session (server extension and sidecar). */

export interface ICounts {
  done: number;
  positive: number;
  negative: number;
  ignored: number;
}

export async function counts(scope: Locator): Promise<ICounts> {
  const read = async (name: string) => Number(await scope.getByTestId(`tl-count-${name}`).first().textContent());
  return {
    done: await read('done'),
    positive: await read('positive'),
    negative: await read('negative'),
    ignored: await read('ignored')
  };
}

/** Counts once no answer is in flight and they stopped moving (the kernel's answers arrive as notifications). */
export async function settledCounts(panel: Locator): Promise<ICounts> {
  let previous = '';
  await expect
    .poll(
      async () => {
        const saving = await panel.getByTestId('tl-save-state').getAttribute('data-state');
        const current = JSON.stringify(await counts(panel));
        const settled = saving !== 'saving' && current === previous;
        previous = current;
        return settled;
      },
      { intervals: [500], timeout: 30 * 1000 }
    )
    .toBe(true);
  return counts(panel);
}

/** Id of the question the panel shows (the current one, or the one under review). */
export async function questionId(panel: Locator): Promise<string | null> {
  return panel.locator('[data-question-id]').getAttribute('data-question-id');
}

/** Id of the query item of that question: a query asked again comes back under a new question id. */
export async function queryId(panel: Locator): Promise<string | null> {
  return panel.getByTestId('tl-query').getAttribute('data-query-id');
}

/** The candidates marked relevant on the question shown. */
export function selected(scope: Locator): Locator {
  return scope.locator('[data-testid="tl-candidate"][data-selected="true"]');
}

/** Waits until the panel shows a question other than `previous`, ready to be answered. */
export async function nextQuestion(panel: Locator, previous: string | null): Promise<string> {
  await expect.poll(() => questionId(panel), { timeout: 30 * 1000 }).not.toBe(previous);
  await expect(panel.getByTestId('tl-save-state')).not.toHaveAttribute('data-state', 'saving');
  return (await questionId(panel)) as string;
}

/** The session's current model version, as the panel's progress shows it. */
export async function modelVersion(panel: Locator): Promise<number> {
  return Number(await panel.getByTestId('tl-progress-model-version').getAttribute('data-version'));
}

/** Answers the question on screen with keys only: the digits of `picks` (1-based), then Space. */
export async function answerByKeyboard(page: Page, panel: Locator, picks: number[]): Promise<void> {
  for (const pick of picks) {
    await page.keyboard.press(String(pick % 10));
  }
  await expect(selected(panel)).toHaveCount(picks.length);
  await page.keyboard.press('Space');
}

/** Screenshot of `target`, kept in test-results and attached to the report. */
export async function snapshot(target: Locator | Page, name: string, testInfo: TestInfo): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await target.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

/**
 * Uploads `source` (a notebook in this repository) to the test's server directory, runs all its
 * cells and returns the first labeling panel once it shows a question (its first `readyTestId`:
 * a candidate, or a choice in a classification session).
 */
export async function runNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  source: string,
  readyTestId = 'tl-candidate'
): Promise<Locator> {
  const name = path.basename(source);
  const notebookPath = `${tmpPath}/${name}`;
  await page.contents.uploadFile(source, notebookPath);
  await page.notebook.openByPath(notebookPath);
  await page.notebook.activate(name);
  // Errors render as stderr; a failing cell stops "Run All": fail fast with its traceback.
  const cellError = page
    .locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    .filter({ hasText: /Traceback|Error:/ })
    .first();
  const failed = cellError.waitFor({ timeout: 180 * 1000 }).then(
    () => true,
    () => false
  );
  await Promise.race([page.notebook.run(), failed]);
  if (await cellError.count()) {
    throw new Error(`a cell of ${name} failed:\n${await cellError.innerText()}`);
  }
  const panel = page.locator('.jp-OutputArea-output .tl-LabelerPanel').first();
  await expect(panel).toBeVisible({ timeout: 60 * 1000 });
  await expect(panel.getByTestId(readyTestId).first()).toBeVisible({ timeout: 60 * 1000 });
  await expect(panel.getByTestId('tl-error')).toHaveCount(0);
  return panel;
}
