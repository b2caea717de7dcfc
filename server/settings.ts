// The server's settings (section "aria"): defaults, and a tolerant reader of what the client sends.

export interface Settings {
  readonly trace: { readonly server: 'off' | 'messages' | 'verbose' };
  readonly checker: { readonly warningsAsErrors: boolean };
  readonly inlayHints: {
    readonly inferredRows: boolean;
    readonly parameterNames: boolean;
    readonly bindingTypes: boolean;
    readonly parameterTypes: boolean;
    readonly returnTypes: boolean;
  };
  readonly diagnostics: { readonly debounceMs: number };
  readonly codeLens: { readonly enable: boolean };
}

export const DEFAULT_SETTINGS: Settings = {
  trace: { server: 'off' },
  checker: { warningsAsErrors: false },
  inlayHints: { inferredRows: true, parameterNames: false, bindingTypes: true, parameterTypes: true, returnTypes: true },
  diagnostics: { debounceMs: 30 },
  codeLens: { enable: true },
};

/** Reads the client's `aria` section; anything missing or of the wrong type keeps its default. */
export function readSettings(raw: unknown): Settings {
  const get = (path: string[], fallback: unknown): unknown => {
    let value: unknown = raw;
    for (const key of path) {
      if (value === null || typeof value !== 'object') return fallback;
      value = (value as Record<string, unknown>)[key];
    }
    return value === undefined ? fallback : value;
  };
  const bool = (path: string[], fallback: boolean): boolean => {
    const v = get(path, fallback);
    return typeof v === 'boolean' ? v : fallback;
  };
  const trace = get(['trace', 'server'], 'off');
  const debounce = get(['diagnostics', 'debounceMs'], DEFAULT_SETTINGS.diagnostics.debounceMs);
  return {
    trace: { server: trace === 'messages' || trace === 'verbose' ? trace : 'off' },
    checker: { warningsAsErrors: bool(['checker', 'warningsAsErrors'], false) },
    inlayHints: {
      inferredRows: bool(['inlayHints', 'inferredRows'], DEFAULT_SETTINGS.inlayHints.inferredRows),
      parameterNames: bool(['inlayHints', 'parameterNames'], DEFAULT_SETTINGS.inlayHints.parameterNames),
      bindingTypes: bool(['inlayHints', 'bindingTypes'], DEFAULT_SETTINGS.inlayHints.bindingTypes),
      parameterTypes: bool(['inlayHints', 'parameterTypes'], DEFAULT_SETTINGS.inlayHints.parameterTypes),
      returnTypes: bool(['inlayHints', 'returnTypes'], DEFAULT_SETTINGS.inlayHints.returnTypes),
    },
    diagnostics: {
      debounceMs: typeof debounce === 'number' && Number.isFinite(debounce) && debounce >= 0 ? Math.min(debounce, 5000) : DEFAULT_SETTINGS.diagnostics.debounceMs,
    },
    codeLens: { enable: bool(['codeLens', 'enable'], true) },
  };
}
