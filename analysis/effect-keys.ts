// How effects and functions are named across the analysis: an effect by its declaration, a function by its file and name.

/** `Async`, `IO`, `Cancel`, `Blocking` for built-in effects; `path#Name` for a user effect. */
export type EffectKey = string;
/** `path#fn:name`, `path#handler:H`, `path#handler:H.op`: what a file exports, as importers name it. */
export type FnId = string;

/** The name an effect key is written with. */
export function effectName(key: EffectKey): string {
  const hash = key.lastIndexOf('#');
  return hash === -1 ? key : key.slice(hash + 1);
}
