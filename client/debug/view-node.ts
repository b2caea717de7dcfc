// The plain tree node the debug views' data providers produce; the vscode wrappers turn it into a TreeItem.

export interface ViewIcon {
  /** A codicon id for ThemeIcon ("pass", "error", "watch"...). */
  readonly id: string;
  /** A theme color id for ThemeColor, when the icon is coloured. */
  readonly color?: string;
}

export interface ViewNode {
  /** Stable across refreshes, so VS Code keeps expansion and selection (TreeItem.id). */
  readonly key: string;
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon?: ViewIcon;
  readonly children: readonly ViewNode[];
  /** Initial collapsible state when it has children. */
  readonly expanded?: boolean;
  readonly contextValue?: string;
  /** Selecting the node focuses this task's thread in the Call Stack. */
  readonly task?: number;
}

export function leaf(key: string, label: string, extra: Omit<ViewNode, 'key' | 'label' | 'children'> = {}): ViewNode {
  return { key, label, children: [], ...extra };
}

/** Every node of a forest, depth first (for tests and lookups). */
export function* walk(nodes: readonly ViewNode[]): Generator<ViewNode> {
  for (const n of nodes) {
    yield n;
    yield* walk(n.children);
  }
}
