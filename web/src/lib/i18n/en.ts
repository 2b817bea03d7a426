/**
 * English messages: the reference dictionary, one file per part of the app under `en/`. Every other locale
 * must have exactly these keys (each file of ru/ is typed against its English twin, and a unit test
 * compares keys and placeholders). Keys ending in `_plural` hold `|`-separated plural forms (see core.ts).
 */
import { core } from './en/core';
import { chats } from './en/chats';
import { feed } from './en/feed';
import { tasks } from './en/tasks';
import { crm } from './en/crm';
import { commands } from './en/commands';
import { calls } from './en/calls';
import { docs } from './en/docs';

export const en = { ...core, ...chats, ...feed, ...tasks, ...crm, ...commands, ...calls, ...docs } as const;

/** A message key. */
export type MessageKey = keyof typeof en;
/** A full dictionary: every key of the English one, nothing else. */
export type Dictionary = { readonly [K in MessageKey]: string };
