// The neutral "draft" every detector produces: services as ordered fields with comments, plus notes on what
// could not be carried over. The renderer turns a draft into berth.yml text.

export type DraftValue = string | number | boolean | readonly DraftValue[] | { readonly [key: string]: DraftValue };

export interface DraftField {
  value: DraftValue;
  /** A comment at the end of the field's line. */
  comment?: string | undefined;
  /** Comment lines above the field. */
  before?: string[];
  /** Comments on entries of a mapping value (e.g. one env variable), by entry key. */
  entryComments?: Record<string, string>;
}

export type DraftCondition = 'started' | 'ready' | 'completed';

export interface DraftDependency {
  readonly target: string;
  condition: DraftCondition;
  comment?: string | undefined;
}

export interface DraftService {
  readonly name: string;
  /** The file the service came from (`docker-compose.yml`, `Procfile`, ...). */
  readonly source: string;
  /** Fields by key; the renderer puts them in a fixed order. */
  readonly fields: Map<string, DraftField>;
  /** Comment lines inside the service, after its fields: what could not be mapped, and suggestions. */
  readonly notes: string[];
  readonly dependsOn: DraftDependency[];
  /** Whether the source listed dependencies (`[a, b]`) or mapped them to conditions. */
  dependsOnForm: 'list' | 'map';
  /** The local build folder when the service is built from this project (compose `build:`), else undefined. */
  buildContext?: string | undefined;
}

/** A service of the source that is not written as a service, and why. */
export interface DroppedService {
  readonly name: string;
  readonly source: string;
  readonly reason: string;
  readonly kind: 'proxy' | 'certbot' | 'other';
  /** Services the dropped one depended on (a proxy's upstreams). */
  readonly upstreams: readonly string[];
}

export interface InitDraft {
  name?: { readonly value: string; readonly comment?: string | undefined } | undefined;
  /** The files that were read, in priority order. */
  readonly sources: string[];
  readonly services: DraftService[];
  readonly dropped: DroppedService[];
  /** File-level notes (one item each, possibly several lines), written at the end of berth.yml. */
  readonly notes: string[];
  /** Comment lines at the end of `services:` (after the dropped services), e.g. commented-out examples. */
  readonly servicesNotes: string[];
  /** True when nothing was detected and the draft is the starter example. */
  starter?: boolean;
}

/** Creates an empty service draft. */
export function createDraftService(name: string, source: string): DraftService {
  return { name, source, fields: new Map(), notes: [], dependsOn: [], dependsOnForm: 'list' };
}

/** Creates an empty draft. */
export function createDraft(sources: readonly string[] = []): InitDraft {
  return { sources: [...sources], services: [], dropped: [], notes: [], servicesNotes: [] };
}

/** Sets a field of a service draft, with an optional end-of-line comment. */
export function setField(service: DraftService, key: string, value: DraftValue, comment?: string): DraftField {
  const field: DraftField = { value, comment };
  service.fields.set(key, field);
  return field;
}

/** Whether a service can show readiness to dependents (a probe, a port, HTTP or a recipe). */
export function canShowReadiness(service: DraftService): boolean {
  return ['ready', 'port', 'http', 'recipe'].some((key) => service.fields.has(key));
}
