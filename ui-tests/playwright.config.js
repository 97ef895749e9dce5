/**
 * Playwright configuration for Tunelab's UI tests, extending Galata's.
 *
 * The JupyterLab under test runs from the project's venv with the extension
 * built in ../tunelab/labextension (see jupyter_server_test_config.py).
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.TUNELAB_UI_TESTS_PORT || '8888';
const repoRoot = path.resolve(__dirname, '..');
const jupyter = process.env.TUNELAB_JUPYTER || path.join(repoRoot, '.venv', 'bin', 'jupyter');

module.exports = {
  ...baseConfig,
  retries: 0,
  outputDir: 'test-results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    video: 'off',
    launchOptions: {
      executablePath: process.env.TUNELAB_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: `${jupyter} lab --config jupyter_server_test_config.py`,
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    // Never test against a server someone else started on this port.
    reuseExistingServer: false,
    env: {
      ...process.env,
      TUNELAB_UI_TESTS_PORT: port,
      // The tunelab package (server extension, kernel library) straight from the repository.
      PYTHONPATH: [repoRoot, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      PATH: [path.dirname(jupyter), process.env.PATH].join(path.delimiter)
    }
  }
};
