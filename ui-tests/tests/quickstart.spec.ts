import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';
import { counts, questionId, runNotebook, settledCounts, snapshot } from './helpers';

/**
 * End to end: the quickstart notebook's labeling panel, answered once with
 * the mouse and once with the keyboard, with the counters moving in the cell
 * and in the sidebar. Needs the server extension and the sidecar.
 */
const NOTEBOOK = 'quickstart.ipynb';
const SESSION_NAME = 'quickstart';

test.use({ autoGoto: true });
test.setTimeout(240 * 1000);

/** Opens the quickstart in the test's own server directory and runs all its cells. */
function openQuickstart(page: IJupyterLabPageFixture, tmpPath: string): Promise<Locator> {
  return runNotebook(page, tmpPath, path.resolve(__dirname, '..', '..', 'examples', NOTEBOOK));
}

test('label the quickstart by mouse and keyboard, counters move in cell and sidebar', async ({
  page,
  tmpPath
}, testInfo) => {
  const panel = await openQuickstart(page, tmpPath);
  await expect(panel.getByTestId('tl-query')).not.toBeEmpty();
  await expect(panel.getByTestId('tl-model-version')).toHaveText(/model v\d+/);
  await expect(panel.getByTestId('tl-candidate-score').first()).toHaveText(/^-?\d+\.\d{3}$/);

  // Answer by mouse: two candidates, then Submit.
  const before = await settledCounts(panel);
  const firstQuestion = await questionId(panel);
  const shown = await panel.getByTestId('tl-candidate').count();
  expect(shown).toBeGreaterThanOrEqual(3);
  await panel.getByTestId('tl-candidate').nth(0).click();
  await panel.getByTestId('tl-candidate').nth(1).click();
  await expect(panel.locator('[data-testid="tl-candidate"][data-selected="true"]')).toHaveCount(2);
  await snapshot(panel, 'cell-selected', testInfo);
  await panel.getByTestId('tl-submit').click();

  await expect(panel.getByTestId('tl-save-state')).toHaveText('saved');
  await expect
    .poll(() => counts(panel))
    .toEqual({
      ...before,
      done: before.done + 1,
      positive: before.positive + 2,
      negative: before.negative + shown - 2
    });
  await expect.poll(() => questionId(panel)).not.toBe(firstQuestion);
  await expect(panel.locator('[data-testid="tl-candidate"][data-selected="true"]')).toHaveCount(0);

  // Answer by keyboard: 1 and 3 toggle the first and third candidates, Space submits.
  const secondQuestion = await questionId(panel);
  const shownNow = await panel.getByTestId('tl-candidate').count();
  await panel.focus();
  await page.keyboard.press('1');
  await page.keyboard.press('3');
  const selected = panel.locator('[data-testid="tl-candidate"][data-selected="true"]');
  await expect(selected).toHaveCount(2);
  await expect(selected.nth(0)).toHaveAttribute('data-index', '0');
  await expect(selected.nth(1)).toHaveAttribute('data-index', '2');
  await page.keyboard.press('Space');

  const after = {
    ...before,
    done: before.done + 2,
    positive: before.positive + 4,
    negative: before.negative + shown - 2 + shownNow - 2
  };
  await expect.poll(() => counts(panel)).toEqual(after);
  await expect.poll(() => questionId(panel)).not.toBe(secondQuestion);
  // The notebook stayed as it was: the digits did not change any cell's type.
  expect(await page.notebook.getCellType(0)).toBe('markdown');
  expect(await page.notebook.getCellType(2)).toBe('code');
  await snapshot(panel, 'cell', testInfo);

  // The sidebar shows the same session with the same counts.
  await page.sidebar.openTab('tunelab-sidebar');
  const sidebar = page.locator('#tunelab-sidebar');
  const row = sidebar.locator(`[data-testid="tl-session-row"][data-session-name="${SESSION_NAME}"]`);
  await expect(row).toBeVisible();
  await expect.poll(() => counts(row)).toEqual(after);
  await expect(sidebar.getByTestId('tl-connection-status')).toHaveAttribute('data-status', 'open');
  await snapshot(sidebar, 'sidebar', testInfo);

  await page.theme.setDarkTheme();
  await snapshot(panel, 'cell-dark', testInfo);
  await snapshot(sidebar, 'sidebar-dark', testInfo);
  await snapshot(page, 'lab-dark', testInfo);
});

test('labeler keys act at once and never reach the notebook (I,I interrupts; 0,0 restarts)', async ({
  page,
  tmpPath
}) => {
  const panel = await openQuickstart(page, tmpPath);
  const before = await settledCounts(panel);
  const cellCount = await page.notebook.getCellCount();
  const shown = await panel.getByTestId('tl-candidate').count();
  const selected = panel.locator('[data-testid="tl-candidate"][data-selected="true"]');
  await panel.focus();

  // A notebook chord starting with the same key would hold `i` for the chord timeout (1 s).
  await page.keyboard.press('i');
  await expect(selected).toHaveCount(shown, { timeout: 500 });
  await page.keyboard.press('i');
  await expect(selected).toHaveCount(0, { timeout: 500 });
  await page.keyboard.press('0');
  await page.keyboard.press('0');
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);

  const skipped = await questionId(panel);
  await page.keyboard.press('s');
  await expect.poll(() => counts(panel)).toEqual({ ...before, done: before.done + 1, ignored: before.ignored + 1 });
  await expect.poll(() => questionId(panel)).not.toBe(skipped);
  await page.keyboard.press('Backspace');
  await expect.poll(() => counts(panel)).toEqual(before);

  expect(await page.notebook.getCellCount()).toBe(cellCount);
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle');
});
