/**
 * Command names (English and Russian aliases), one-line help, `/` autocomplete and "did you mean"
 * suggestions for unknown names (edit distance, prefixes and text typed in the wrong keyboard layout).
 */

import { distance, fold, swapLayout } from './text';
import type { CommandCompletion, CommandHelp, CommandName, Locale } from './types';

interface CommandInfo {
  en: string;
  ru: string;
  help: { en: string; ru: string };
  example: { en: string; ru: string };
}

export const COMMANDS: Record<CommandName, CommandInfo> = {
  task: {
    en: 'task',
    ru: 'задача',
    help: {
      en: 'create a task: title @responsible +participants deadline, ! or !! for priority',
      ru: 'создать задачу: название @ответственный +участники срок, ! или !! — приоритет',
    },
    example: { en: '/task call the bank tomorrow 3pm @ann +bob !', ru: '/задача Позвонить в банк завтра в 15:00 @ivan +oleg !' },
  },
  lead: {
    en: 'lead',
    ru: 'лид',
    help: {
      en: 'create a lead: title @responsible phone e-mail amount',
      ru: 'создать лид: название @ответственный телефон e-mail сумма',
    },
    example: { en: '/lead Acme website request +1 555 010 2000 bob@acme.com $2k', ru: '/лид Заявка Ромашка +7 999 123-45-67 info@romashka.ru 150 тыс. руб' },
  },
  contact: {
    en: 'contact',
    ru: 'контакт',
    help: { en: 'create a contact: name phone e-mail @responsible', ru: 'создать контакт: имя телефон e-mail @ответственный' },
    example: { en: '/contact Ann Lee +44 20 7946 0958 ann@example.com', ru: '/контакт Иван Петров +7 999 123-45-67 ivan@romashka.ru' },
  },
  company: {
    en: 'company',
    ru: 'компания',
    help: { en: 'create a company: name phone e-mail @responsible', ru: 'создать компанию: название телефон e-mail @ответственный' },
    example: { en: '/company Acme Ltd info@acme.com @ann', ru: '/компания ООО Ромашка 8 495 123-45-67 @ivan' },
  },
  deal: {
    en: 'deal',
    ru: 'сделка',
    help: {
      en: 'create a deal: title amount @responsible #stage closing date',
      ru: 'создать сделку: название сумма @ответственный #стадия срок закрытия',
    },
    example: { en: '/deal Supply contract $25k @ann #negotiation', ru: '/сделка Поставка 150 000 ₽ @ivan #переговоры' },
  },
  call: {
    en: 'call',
    ru: 'звонок',
    help: {
      en: 'plan a call: about/with whom, phone, +colleagues, when, @who calls',
      ru: 'запланировать звонок: тема/с кем, телефон, +коллеги, когда, @кто звонит',
    },
    example: { en: '/call Acme about the invoice friday 10am +7 999 123-45-67', ru: '/звонок Ромашка по счёту в пятницу 10:00 +7 999 123-45-67' },
  },
};

export const COMMAND_ORDER: CommandName[] = ['task', 'deal', 'lead', 'contact', 'company', 'call'];

/** The command a name stands for (without the slash, any case), or null. */
export function lookupCommand(name: string): CommandName | null {
  const key = fold(name);
  for (const c of COMMAND_ORDER) if (COMMANDS[c].en === key || COMMANDS[c].ru === key) return c;
  return null;
}

/** Closest commands to an unknown name: each as both its names, e.g. ['/task', '/задача']. */
export function suggestCommands(name: string): string[] {
  const key = fold(name).slice(0, 40);
  const swapped = swapLayout(key);
  const scored: { c: CommandName; score: number }[] = [];
  for (const c of COMMAND_ORDER) {
    let best = 99;
    for (const n of [COMMANDS[c].en, COMMANDS[c].ru]) {
      for (const k of [key, swapped]) {
        if (k.length === 0) continue;
        if (n === k) best = 0;
        else if (n.startsWith(k) || k.startsWith(n)) best = Math.min(best, 1);
        else {
          const d = distance(k, n);
          if (d <= (n.length >= 5 ? 2 : 1)) best = Math.min(best, d + 1);
        }
      }
    }
    if (best < 99) scored.push({ c, score: best });
  }
  scored.sort((a, b) => a.score - b.score);
  const out: string[] = [];
  for (const { c } of scored.slice(0, 3)) out.push('/' + COMMANDS[c].en, '/' + COMMANDS[c].ru);
  return out;
}

function helpFor(c: CommandName, locale: Locale): CommandHelp {
  const info = COMMANDS[c];
  return {
    command: c,
    name: '/' + info[locale],
    names: ['/' + info.en, '/' + info.ru],
    line: `/${info[locale]} — ${info.help[locale]}`,
    example: info.example[locale],
  };
}

/** One line of help per command, with an example, in the given language. */
export function commandHelp(locale: Locale): CommandHelp[] {
  return COMMAND_ORDER.map((c) => helpFor(c, locale));
}

/**
 * The `/` autocomplete list for what the user has typed so far ("/", "/за", "ta", "/ефы"): commands whose
 * name in either language starts with it, or, when none does, whose name starts with the same keys typed in
 * the other keyboard layout. Commands are shown under the name that matched (the locale's first).
 */
export function completeCommand(prefix: string, locale: Locale): CommandCompletion[] {
  const p = fold(prefix.trim().replace(/^\//, ''));
  const swapped = swapLayout(p);
  const other: Locale = locale === 'en' ? 'ru' : 'en';
  const list = (q: string): CommandCompletion[] => {
    const out: CommandCompletion[] = [];
    for (const c of COMMAND_ORDER) {
      const name = [COMMANDS[c][locale], COMMANDS[c][other]].find((n) => n.startsWith(q));
      if (name !== undefined) out.push({ ...helpFor(c, locale), name: '/' + name, insert: `/${name} ` });
    }
    return out;
  };
  const direct = list(p);
  // Only when nothing matches as typed: the same keys in the other layout ("/ефы" → /task).
  return direct.length > 0 || p.length === 0 ? direct : list(swapped);
}
