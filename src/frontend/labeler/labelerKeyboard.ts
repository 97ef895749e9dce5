import { CommandRegistry } from '@lumino/commands';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ILabelerTracker, LABELER_COMMANDS, LABELER_PANEL_CLASS, REPEATABLE_COMMANDS } from '../tokens';

/**
 * Runs the labeler's keyboard shortcuts (schema/plugin.json, editable in the
 * shortcut editor) for key presses inside a labeler panel.
 *
 * JupyterLab matches shortcuts in the capture phase on `document`, before the
 * panel sees the key, and a focused panel inside a notebook also matches the
 * command-mode chords `I, I` (interrupt) and `0, 0` (restart kernel): those
 * delay a single `i` or `0` by the chord timeout, and `0` twice restarts the
 * kernel. So this listener runs one step earlier, in the capture phase on
 * `window`, resolves the key against the registry's own bindings for the
 * labeler commands, and stops the event when one matches. Other keys
 * (Ctrl+S, Shift+Enter, Escape…) go on to JupyterLab untouched.
 *
 * A held key auto-repeats: repeats of Space would answer each next question
 * unseen (Finetuner #85), so only the review arrows act on repeats.
 */
export function installLabelerKeyboard(commands: CommandRegistry, tracker: ILabelerTracker): IDisposable {
  const onKeydown = (event: KeyboardEvent): void => {
    if (submitsOptionsForm(event)) {
      return;
    }
    const binding = bindingFor(commands, event);
    if (!binding) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (event.repeat && !REPEATABLE_COMMANDS.has(binding.command)) {
      return;
    }
    tracker.activateNode(binding.panel);
    void commands.execute(binding.command, binding.args);
  };
  window.addEventListener('keydown', onKeydown, true);
  return new DisposableDelegate(() => window.removeEventListener('keydown', onKeydown, true));
}

interface IMatch {
  command: string;
  args: CommandRegistry.IKeyBinding['args'];
  panel: Element;
}

/** The single-key labeler binding this key press triggers, if it happened in a labeler panel. */
function bindingFor(commands: CommandRegistry, event: KeyboardEvent): IMatch | null {
  const target = event.target;
  if (event.defaultPrevented || event.isComposing || !(target instanceof Element) || isTextInput(target)) {
    return null;
  }
  const panel = target.closest(`.${LABELER_PANEL_CLASS}`);
  if (!panel) {
    return null;
  }
  const keystroke = CommandRegistry.keystrokeForKeydownEvent(event);
  if (!keystroke || (keystroke === 'Enter' && activatesOnEnter(target))) {
    return null;
  }
  for (const binding of commands.keyBindings) {
    if (
      LABELER_COMMANDS.has(binding.command) &&
      binding.keys.length === 1 &&
      binding.keys[0] === keystroke &&
      target.closest(binding.selector) !== null
    ) {
      return { command: binding.command, args: binding.args, panel };
    }
  }
  return null;
}

/**
 * Enter in a panel's option field applies its form. In a notebook JupyterLab takes Enter first
 * (command-mode bindings), so the browser's implicit form submission never happens.
 */
function submitsOptionsForm(event: KeyboardEvent): boolean {
  const target = event.target;
  if (event.key !== 'Enter' || event.isComposing || !(target instanceof HTMLInputElement)) {
    return false;
  }
  const form = target.closest<HTMLFormElement>(`.${LABELER_PANEL_CLASS} form`);
  if (!form) {
    return false;
  }
  event.preventDefault();
  event.stopPropagation();
  form.requestSubmit();
  return true;
}

/**
 * Enter on a focused button or link (Confirm, Train now, reached with Tab) presses it, as everywhere
 * else, rather than accepting the prediction. Choice buttons hand the focus back to the panel on click.
 */
function activatesOnEnter(element: Element): boolean {
  return element.closest('button, a[href], summary, [role="button"]') !== null;
}

/** Keys typed into a text field belong to the field. */
function isTextInput(element: Element): boolean {
  return element.matches('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}
