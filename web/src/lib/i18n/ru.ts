/**
 * Русские сообщения, по файлу на часть приложения в `ru/`, каждый типизирован по английскому двойнику:
 * отсутствующий или лишний ключ — ошибка компиляции. Ключи `_plural` содержат формы через `|`:
 * одна | несколько | много.
 */
import type { Dictionary } from './en';
import { core } from './ru/core';
import { chats } from './ru/chats';
import { feed } from './ru/feed';
import { tasks } from './ru/tasks';
import { crm } from './ru/crm';
import { commands } from './ru/commands';
import { calls } from './ru/calls';
import { docs } from './ru/docs';

export const ru: Dictionary = { ...core, ...chats, ...feed, ...tasks, ...crm, ...commands, ...calls, ...docs };
