import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { answerByKeyboard, counts, modelVersion, nextQuestion, runNotebook, snapshot } from './helpers';

/**
 * A Banking77 session on all-MiniLM-L6-v2 in adapter mode (ui-tests/notebooks/minilm_labeling.ipynb), on this
 * CPU: the panel shows the embedding bar while the encoder embeds the pool in the sidecar, questions are
 * labeled by keyboard meanwhile, the adapter's model version rises, and the bar goes once the pool is in.
 */
const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'minilm_labeling.ipynb');

test.use({ autoGoto: true });
test.setTimeout(420 * 1000);

test('questions flow while a pretrained encoder embeds the pool', async ({ page, tmpPath }, testInfo) => {
  const panel = await runNotebook(page, tmpPath, NOTEBOOK);
  const bar = panel.getByTestId('tl-embedding');
  await expect(bar).toBeVisible();
  const track = bar.getByRole('progressbar');
  await expect(track).toHaveAttribute('aria-valuemax', '1200');
  // One bar for the pool: the generic loading bar steps aside for the embedding bar.
  await expect(panel.getByTestId('tl-loading-bar')).toHaveCount(0);
  await snapshot(panel, 'encoder-embedding', testInfo);
  const versionBefore = await modelVersion(panel);

  // Three answers by keyboard; the first while most of the pool is still to be embedded.
  let current = await nextQuestion(panel, null);
  const embeddedAtFirstAnswer = Number(await track.getAttribute('aria-valuenow'));
  expect(embeddedAtFirstAnswer).toBeLessThan(1200);
  await panel.focus();
  for (let i = 0; i < 3; i++) {
    await answerByKeyboard(page, panel, [1]);
    await expect.poll(async () => (await counts(panel)).done).toBe(i + 1);
    current = await nextQuestion(panel, current);
  }
  await expect.poll(() => modelVersion(panel), { timeout: 120 * 1000 }).toBeGreaterThan(versionBefore);

  // The whole pool ends up in the index: the bar goes.
  await expect(bar).toHaveCount(0, { timeout: 300 * 1000 });
  await expect(panel.getByTestId('tl-error')).toHaveCount(0);
  await snapshot(panel, 'encoder-embedded', testInfo);
});
