// A vscode TreeDataProvider over the plain ViewNode trees the Tasks, Workers and Timers models build.
import * as vscode from 'vscode';
import { FOCUS_TASK_COMMAND } from './commands.js';
import type { ViewNode } from './view-node.js';

export class NodeTreeProvider implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: readonly ViewNode[] = [];
  private readonly parents = new Map<string, ViewNode | undefined>();
  private readonly nodes = new Map<string, ViewNode>();

  constructor(private readonly build: () => readonly ViewNode[]) {}

  /** Rebuilds the tree from the latest state. */
  refresh(): void {
    this.roots = this.build();
    this.parents.clear();
    this.nodes.clear();
    const index = (nodes: readonly ViewNode[], parent: ViewNode | undefined) => {
      for (const n of nodes) {
        this.parents.set(n.key, parent);
        this.nodes.set(n.key, n);
        index(n.children, n);
      }
    };
    index(this.roots, undefined);
    this.changed.fire(undefined);
  }

  /** The node with this key in the tree shown now. */
  node(key: string): ViewNode | undefined {
    return this.nodes.get(key);
  }

  get size(): number {
    return this.parents.size;
  }

  getChildren(element?: ViewNode): ViewNode[] {
    return [...(element ? element.children : this.roots)];
  }

  getParent(element: ViewNode): ViewNode | undefined {
    return this.parents.get(element.key);
  }

  getTreeItem(n: ViewNode): vscode.TreeItem {
    const state = n.children.length === 0
      ? vscode.TreeItemCollapsibleState.None
      : n.expanded === false ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(n.label, state);
    item.id = n.key;
    if (n.description) item.description = n.description;
    if (n.tooltip) item.tooltip = n.tooltip;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon.id, n.icon.color ? new vscode.ThemeColor(n.icon.color) : undefined);
    if (n.contextValue) item.contextValue = n.contextValue;
    if (n.task !== undefined) {
      item.command = { command: FOCUS_TASK_COMMAND, title: 'Focus Task', arguments: [n.task] };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
