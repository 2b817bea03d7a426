/**
 * How the sign-in and account-creating forms (setup, login, accepting an invitation) ask for a name, an
 * e-mail and a password: TextField props to spread, so that the three pages cannot drift apart. They are
 * functions because the labels follow the interface language; the name, error and busy state come from
 * the page's form (`SubmitForm.field`).
 */
import type { ComponentProps } from 'svelte';
import { LIMITS } from '$shared/api';
import type TextField from './components/TextField.svelte';
import { t } from './i18n/index.svelte';

type FieldProps = Omit<ComponentProps<typeof TextField>, 'name' | 'value'>;

/** The new account's display name. */
export function nameField() {
  return {
    label: t('auth.yourName'),
    placeholder: t('auth.namePlaceholder'),
    required: true,
    maxlength: LIMITS.nameMax,
    autocomplete: 'name',
  } satisfies FieldProps;
}

/** The e-mail to sign in or register with: `username` when it names an existing account. */
export function emailField(autocomplete: 'email' | 'username') {
  return {
    label: t('auth.email'),
    type: 'email',
    placeholder: t('auth.emailPlaceholder'),
    required: true,
    autocomplete,
  } satisfies FieldProps;
}

/**
 * A new password is held to the policy up front (its minimum shown as a hint); a current one only to
 * the length the server accepts, since the server alone knows whether it is right.
 */
export function passwordField(kind: 'new' | 'current') {
  const common = { label: t('auth.password'), type: 'password', required: true, maxlength: LIMITS.passwordMax } as const;
  if (kind === 'current') return { ...common, autocomplete: 'current-password' } satisfies FieldProps;
  return {
    ...common,
    minlength: LIMITS.passwordMin,
    autocomplete: 'new-password',
    hint: t('auth.passwordHint', { min: LIMITS.passwordMin }),
  } satisfies FieldProps;
}
