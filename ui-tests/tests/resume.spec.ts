import { expect, IJupyterLabPageFixture, JupyterLabPage, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';
import {
  answerByKeyboard,
  counts,
  ICounts,
  modelVersion,
  nextQuestion,
  queryId,
  questionId,
  runNotebook,
  settledCounts,
  snapshot
} from './helpers';
import { killSidecar } from './sidecar';

/**
 * Issue 4's acceptance test: answers survive a page reload and a sidecar crash. Four questions
 * answered by keyboard (ui-tests/notebooks/resume_labeling.ipynb: the dataset `ui-resume`, a text
 * MLP trained after every answer); the page reloaded, the panel back from the live kernel with the
 * same progress; the sidecar killed with SIGKILL and restarted by the server's supervisor, the
 * panel reconnecting by itself with the same progress; then three more answers, none of them on a
 * query answered before, the counts going on from where they were.
 */
const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'resume_labeling.ipynb');
const CELL_PANEL = '.jp-OutputArea-output .tl-LabelerPanel';

test.use({ autoGoto: true });
test.setTimeout(180 * 1000);

/** What was answered: question ids and the ids of their query items. */
interface IAnswered {
  questions: Set<string>;
  queries: Set<string>;
}

/**
 * Answers `plans.length` questions by keyboard (the digits of each plan, then Space), checking
 * that none repeats an answered question or query, and that the counts move with each answer.
 * Returns the counts expected after the last.
 */
async function answerQuestions(
  page: IJupyterLabPageFixture,
  panel: Locator,
  plans: number[][],
  start: ICounts,
  answered: IAnswered
): Promise<ICounts> {
  let expected = start;
  let previous: string | null = null;
  for (const picks of plans) {
    const question = await nextQuestion(panel, previous);
    const query = (await queryId(panel)) as string;
    expect(answered.questions, `question ${question} asked again`).not.toContain(question);
    expect(answered.queries, `query ${query} asked again`).not.toContain(query);
    const shown = await panel.getByTestId('tl-candidate').count();
    await answerByKeyboard(page, panel, picks);
    answered.questions.add(question);
    answered.queries.add(query);
    expected = {
      ...expected,
      done: expected.done + 1,
      positive: expected.positive + picks.length,
      negative: expected.negative + shown - picks.length
    };
    await expect.poll(() => counts(panel)).toEqual(expected);
    previous = question;
  }
  // Every answer acknowledged: committed to the label store.
  const save = panel.getByTestId('tl-save-state');
  await expect(save).toHaveAttribute('data-state', 'saved');
  await expect(save).toHaveAttribute('data-pending', '0');
  return expected;
}

/** Waits until no training round runs and the model version stopped moving; returns it. */
async function settledModelVersion(panel: Locator): Promise<number> {
  let previous = -1;
  await expect
    .poll(
      async () => {
        const idle = (await panel.getByTestId('tl-training').getAttribute('data-training')) === 'false';
        const version = await modelVersion(panel);
        const settled = idle && version === previous;
        previous = version;
        return settled;
      },
      { intervals: [1000], timeout: 60 * 1000 }
    )
    .toBe(true);
  return previous;
}

/** Records every `data-status` the panel's connection badge takes from now on (in the page). */
async function recordConnectionStatus(panel: Locator): Promise<void> {
  await panel.getByTestId('tl-connection-status').evaluate(badge => {
    const seen: string[] = [];
    (window as unknown as { tlConnectionStatuses: string[] }).tlConnectionStatuses = seen;
    new MutationObserver(() => seen.push(badge.getAttribute('data-status') ?? '')).observe(badge, {
      attributes: true,
      attributeFilter: ['data-status']
    });
  });
}

function recordedConnectionStatus(panel: Locator): Promise<string[]> {
  return panel.page().evaluate(() => (window as unknown as { tlConnectionStatuses: string[] }).tlConnectionStatuses);
}

test('answers survive a page reload and a sidecar restart; no question is asked twice', async ({
  page,
  tmpPath,
  baseURL
}, testInfo) => {
  const port = Number(new URL(baseURL as string).port);
  const answered: IAnswered = { questions: new Set(), queries: new Set() };

  const { start, beforeReload, versionBeforeReload } = await test.step('answer four questions', async () => {
    const panel = await runNotebook(page, tmpPath, NOTEBOOK);
    const start = await settledCounts(panel);
    await panel.focus();
    const beforeReload = await answerQuestions(page, panel, [[1], [2], [1, 3], [4]], start, answered);
    expect(beforeReload.done).toBe(start.done + 4);
    expect(await settledCounts(panel)).toEqual(beforeReload);
    return { start, beforeReload, versionBeforeReload: await settledModelVersion(panel) };
  });

  // As a user would after saving the notebook: JupyterLab reopens it on the same kernel and the
  // panel comes back from the kernel's live widget.
  const panel = await test.step('reload the page: same progress', async () => {
    await page.notebook.save();
    // Galata's reload (the fixture's type names Playwright's), not waiting for the Launcher tab:
    // the restored notebook is the active tab.
    await (page as unknown as JupyterLabPage).reload({ waitForIsReady: false });
    const panel = page.locator(CELL_PANEL).first();
    await expect(panel.getByTestId('tl-candidate').first()).toBeVisible({ timeout: 60 * 1000 });
    await expect(panel.getByTestId('tl-connection-status')).toHaveAttribute('data-status', 'open');
    expect(await settledCounts(panel)).toEqual(beforeReload);
    expect(await modelVersion(panel)).toBeGreaterThanOrEqual(versionBeforeReload);
    expect(answered.queries).not.toContain(await queryId(panel));
    await expect(panel.getByTestId('tl-error')).toHaveCount(0);
    await snapshot(panel, 'panel-after-reload', testInfo);
    return panel;
  });

  await test.step('kill the sidecar: the panel reconnects by itself, same progress', async () => {
    const versionBeforeRestart = await settledModelVersion(panel);
    const shownBeforeRestart = await questionId(panel);
    await recordConnectionStatus(panel);
    const { killed, restarted } = await killSidecar(port);
    testInfo.annotations.push({ type: 'sidecar', description: `pid ${killed.pid} killed, ${restarted.pid} started` });

    // Its badge went through "reconnecting" back to "open", with no action from the user.
    await expect.poll(() => recordedConnectionStatus(panel), { timeout: 30 * 1000 }).toContain('reconnecting');
    await expect(panel.getByTestId('tl-connection-status')).toHaveAttribute('data-status', 'open', {
      timeout: 30 * 1000
    });
    // The question the old sidecar had handed out went back to the pool: the panel asks the new one.
    await nextQuestion(panel, shownBeforeRestart);
    // The new sidecar resumed the dataset from the label store: the same counts, the same model.
    expect(await settledCounts(panel)).toEqual(beforeReload);
    expect(await modelVersion(panel)).toBeGreaterThanOrEqual(versionBeforeRestart);
    await expect(panel.getByTestId('tl-error')).toHaveCount(0);
    await snapshot(panel, 'panel-after-restart', testInfo);
  });

  await test.step('three more answers: no query again, counts go on', async () => {
    await panel.focus();
    const afterRestart = await answerQuestions(page, panel, [[2], [1, 2], [3]], beforeReload, answered);
    expect(afterRestart.done).toBe(start.done + 7);
    expect(await settledCounts(panel)).toEqual(afterRestart);
    expect(answered.queries.size).toBe(7);
  });
});
