import { expect, test } from '@jupyterlab/galata';

/**
 * Smoke test: Tunelab's plugins activate and its sidebar appears. Needs only
 * the built extension, not the server extension or the sidecar.
 */
const PLUGINS = ['tunelab:connection', 'tunelab:plugin', 'tunelab:widget', 'tunelab:sidebar', 'tunelab:session-tab'];

test.describe('Tunelab extension', () => {
  test('activates its plugins', async ({ page }) => {
    const activated = await page.evaluate(ids => ids.filter(id => window.jupyterapp.isPluginActivated(id)), PLUGINS);
    expect(activated).toEqual(PLUGINS);
  });

  test('registers the labeler commands with their shortcuts', async ({ page }) => {
    const bindings = await page.evaluate(() =>
      window.jupyterapp.commands.keyBindings
        .filter(binding => binding.command.startsWith('tunelab:'))
        .map(binding => `${binding.keys.join(' ')}=${binding.command}`)
    );
    expect(bindings).toEqual(
      expect.arrayContaining([
        'Space=tunelab:submit',
        'Enter=tunelab:accept-prediction',
        'S=tunelab:skip',
        'Backspace=tunelab:undo',
        'I=tunelab:invert',
        'ArrowLeft=tunelab:previous-question',
        'ArrowRight=tunelab:next-question',
        '1=tunelab:toggle-candidate',
        '0=tunelab:toggle-candidate'
      ])
    );
    expect(bindings).toHaveLength(17);
  });

  test('shows the sessions sidebar on the right', async ({ page }, testInfo) => {
    const tab = page.sidebar.getTabLocator('tunelab-sidebar');
    await expect(tab).toBeVisible();
    expect(await page.sidebar.getTabPosition('tunelab-sidebar')).toBe('right');

    await page.sidebar.openTab('tunelab-sidebar');
    const sidebar = page.locator('#tunelab-sidebar');
    await expect(sidebar.getByTestId('tl-session-list')).toBeVisible();
    await expect(sidebar.getByTestId('tl-connection-status')).toBeVisible();
    const file = testInfo.outputPath('sidebar.png');
    await sidebar.screenshot({ path: file });
    await testInfo.attach('sidebar', { path: file, contentType: 'image/png' });
  });

  test('opens the sidebar from the command palette command', async ({ page }) => {
    await page.evaluate(() => window.jupyterapp.commands.execute('tunelab:open-sidebar'));
    await expect(page.locator('#tunelab-sidebar')).toBeVisible();
  });
});
