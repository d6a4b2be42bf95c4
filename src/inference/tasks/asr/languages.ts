import { badInput } from '../../../errors.js';

/** Throws BAD_USER_INPUT unless `language` is absent, or one of `supported` when the model lists them. */
export function checkLanguageList(language: string | undefined, supported: readonly string[] | undefined): void {
  if (language === undefined || supported === undefined) return;
  if (!supported.includes(language)) {
    throw badInput(`This model does not transcribe language "${language}"; it supports ${supported.join(', ') || 'no language option'}.`, {
      language,
      supported,
    });
  }
}
