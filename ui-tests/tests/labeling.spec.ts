import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  answerByKeyboard,
  counts,
  ICounts,
  modelVersion,
  nextQuestion,
  questionId,
  runNotebook,
  selected,
  settledCounts,
  snapshot
} from './helpers';

/**
 * End to end with a trainable model (ui-tests/notebooks/keyboard_labeling.ipynb: a text MLP
 * trained after every answer): five questions labeled by keyboard only, the model version
 * rising, review with ←/→, undo, the options form, the sidebar's loss chart, the main-area
 * tab, Save model and Finish; screenshots in the dark theme.
 */
const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'keyboard_labeling.ipynb');
const SESSION_NAME = 'ui-keyboard';

test.use({ autoGoto: true });
test.setTimeout(240 * 1000);

test('label five questions by keyboard, review, undo, sidebar chart and tab', async ({ page, tmpPath }, testInfo) => {
  const panel = await runNotebook(page, tmpPath, NOTEBOOK);
  const before = await settledCounts(panel);
  const versionBefore = await modelVersion(panel);
  await expect(panel.getByTestId('tl-backend')).not.toBeEmpty();
  await panel.focus();

  // Five answers, keys only: toggles (one inverted selection), Space; the counts follow each.
  const plans = [[1], [1, 2], [2], [1, 3], [4]];
  let current = await nextQuestion(panel, null);
  let expected: ICounts = before;
  let beforeLast: ICounts = before;
  const answered: string[] = [];
  for (const [round, picks] of plans.entries()) {
    const shown = await panel.getByTestId('tl-candidate').count();
    let relevant = picks.length;
    if (round === 2) {
      // Invert: all but candidate 2 are relevant.
      await page.keyboard.press('2');
      await page.keyboard.press('i');
      await expect(selected(panel)).toHaveCount(shown - 1);
      await page.keyboard.press('Space');
      relevant = shown - 1;
    } else {
      await answerByKeyboard(page, panel, picks);
    }
    beforeLast = expected;
    expected = {
      ...expected,
      done: expected.done + 1,
      positive: expected.positive + relevant,
      negative: expected.negative + shown - relevant
    };
    await expect.poll(() => counts(panel)).toEqual(expected);
    answered.push(current);
    current = await nextQuestion(panel, current);
  }

  // The model trains after every answer: its version rises (and the training loss is shown).
  await expect.poll(() => modelVersion(panel), { timeout: 90 * 1000 }).toBeGreaterThan(versionBefore);
  await expect(panel.getByTestId('tl-last-loss')).toHaveText(/\d/);

  // ← reviews the answers of this panel read-only, newest first; → walks back to the current question.
  await page.keyboard.press('ArrowLeft');
  const review = panel.getByTestId('tl-review');
  await expect(review).toHaveAttribute('data-position', '4');
  expect(await questionId(panel)).toBe(answered[4]);
  await expect(selected(panel)).toHaveCount(1);
  await expect(selected(panel).first()).toHaveAttribute('data-index', '3');
  await page.keyboard.press('ArrowLeft');
  await expect(review).toHaveAttribute('data-position', '3');
  expect(await questionId(panel)).toBe(answered[3]);
  await page.keyboard.press('Space'); // read-only: nothing is sent
  await page.keyboard.press('5');
  await expect(selected(panel)).toHaveCount(2);
  await snapshot(panel, 'panel-review', testInfo);
  await page.keyboard.press('ArrowRight');
  await expect(review).toHaveAttribute('data-position', '4');
  await page.keyboard.press('ArrowRight');
  await expect(review).toHaveCount(0);
  expect(await questionId(panel)).toBe(current);
  expect(await counts(panel)).toEqual(expected);

  // Backspace undoes the latest answer: the counts go back.
  await page.keyboard.press('Backspace');
  await expect.poll(() => counts(panel)).toEqual(beforeLast);
  expected = beforeLast;

  // The help lists the keys, the arrows included.
  await panel.getByTestId('tl-help-toggle').click();
  await expect(panel.getByTestId('tl-help')).toContainText('←');
  await panel.getByTestId('tl-help-toggle').click();

  // Advanced options: a value out of range is refused inline; a valid one is applied by the sidecar.
  await panel.getByTestId('tl-advanced-toggle').click();
  const epochs = panel.getByTestId('tl-option-epochs');
  await epochs.fill('0');
  await panel.getByTestId('tl-advanced-form-apply').click();
  await expect(panel.locator('[data-testid="tl-field-error"][data-field="epochs"]')).toBeVisible();
  await epochs.fill('3');
  await epochs.press('Enter');
  await expect(panel.locator('[data-testid="tl-field-error"]')).toHaveCount(0);
  await expect(panel.getByTestId('tl-advanced-form')).toContainText('applied');
  await expect(epochs).toHaveValue('3');
  expect(await counts(panel)).toEqual(expected); // typing digits in a field labels nothing
  await panel.getByTestId('tl-advanced-toggle').click();

  // The sidebar mirrors the counts and charts the loss of each model version.
  await page.sidebar.close('left');
  await page.sidebar.openTab('tunelab-sidebar');
  const sidebar = page.locator('#tunelab-sidebar');
  const row = sidebar.locator(`[data-testid="tl-session-row"][data-session-name="${SESSION_NAME}"]`);
  await expect(row).toBeVisible();
  await row.getByTestId('tl-session-select').click();
  await expect(row).toHaveAttribute('data-selected', 'true');
  await expect.poll(() => counts(row)).toEqual(expected);
  await expect.poll(() => row.getByTestId('tl-loss-point').count(), { timeout: 30 * 1000 }).toBeGreaterThan(0);
  await snapshot(panel, 'panel', testInfo);
  await snapshot(sidebar, 'sidebar', testInfo);

  // Open in tab: the same panel in the main area.
  await row.getByTestId('tl-open-session-tab').click();
  const sessionId = await row.getAttribute('data-session-id');
  const tab = page.locator(`#tunelab-session-${sessionId}`);
  await expect(tab).toBeVisible();
  await expect(tab.getByTestId('tl-candidate').first()).toBeVisible({ timeout: 30 * 1000 });
  await expect.poll(() => counts(tab)).toEqual(expected);
  await snapshot(tab, 'tab', testInfo);

  await page.theme.setDarkTheme();
  await snapshot(tab, 'tab-dark', testInfo);
  await snapshot(sidebar, 'sidebar-dark', testInfo);
  await page.notebook.activate(path.basename(NOTEBOOK));
  await panel.getByTestId('tl-control-panel-toggle').click();
  await panel.getByTestId('tl-candidate').nth(1).click();
  await snapshot(panel, 'panel-dark', testInfo);

  // Save model writes to the default path; Finish ends labeling in every panel of the session.
  await panel.getByTestId('tl-save-model').click();
  await expect(panel.getByTestId('tl-model-saved')).toContainText('tunelab-models');
  await panel.getByTestId('tl-finish').click();
  await expect(panel.getByTestId('tl-finished')).toBeVisible();
  await expect(panel.getByTestId('tl-submit')).toHaveCount(0);
  await expect(row.locator('.tl-SessionList-finished')).toBeVisible();
});
