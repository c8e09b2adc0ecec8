/**
 * The words of every message stepguard sends, per locale. Placeholders: `{code}`, `{service}`,
 * `{amount}`, `{payee}`, `{digits}` (the code spelt out for voice), `{last2}` (last two digits
 * of the new number). Keep `code` and `transaction` short: the start-up check refuses templates
 * that cannot fit one SMS segment with the code and the WebOTP line (`transaction` with a short
 * payee: a long payee, or one GSM-7 lacks, may make a transfer's SMS longer, never shortened).
 * `transaction` and `voiceTransaction` must name `{amount}` and `{payee}` (PSD2 dynamic linking).
 */
export type SmsTemplateSet = {
  code: string;
  transaction: string;
  voice: string;
  /** What a call reads out for a code that approves a transaction. */
  voiceTransaction: string;
  phoneChanged: string;
  backupCodeUsed: string;
  backupCodesRegenerated: string;
  /** A factor was added, replaced or removed (other than the number itself). */
  factorChanged: string;
  /** A self-service recovery started: `{date}` it completes unless cancelled, `{link}` the page that cancels it. */
  recoveryStarted: string;
  /** The recovery completes soon (`{date}`, `{link}` as above). */
  recoveryReminder: string;
  recoveryCancelled: string;
  /** The recovery completed: the account's factors were removed. */
  recoveryCompleted: string;
};

export const BUILT_IN_TEMPLATES: Readonly<Record<string, SmsTemplateSet>> = {
  en: {
    code: '{code} is your {service} verification code. Do not share it.',
    transaction: '{code} is your {service} code to approve a transfer of {amount} to {payee}. Do not share it.',
    voice: 'Your {service} verification code is {digits}. Again: {digits}.',
    voiceTransaction: 'Your {service} code to approve a transfer of {amount} to {payee} is {digits}. Again: {digits}.',
    phoneChanged: 'Your {service} phone number was changed to a number ending in {last2}. If this was not you, contact support now.',
    backupCodeUsed: 'A {service} backup code was just used to sign in. If this was not you, contact support now.',
    backupCodesRegenerated: 'Your {service} backup codes were regenerated. If this was not you, contact support now.',
    factorChanged: 'Your {service} sign-in methods were changed. If this was not you, contact support now.',
    recoveryStarted: 'Someone asked to recover your {service} account without its sign-in methods. Unless cancelled, they will be removed on {date}. Not you? Sign in and cancel: {link}',
    recoveryReminder: 'Reminder: an account recovery will remove your {service} sign-in methods on {date}. Not you? Sign in and cancel: {link}',
    recoveryCancelled: 'The recovery of your {service} account was cancelled. If you did not cancel it, change your password now.',
    recoveryCompleted: 'Your {service} account was recovered and its sign-in methods removed. If this was not you, contact support now.',
  },
  de: {
    code: '{code} ist Ihr {service} Bestätigungscode. Nicht weitergeben.',
    transaction: '{code} ist Ihr {service} Code für eine Überweisung von {amount} an {payee}. Nicht weitergeben.',
    voice: 'Ihr {service} Bestätigungscode lautet {digits}. Noch einmal: {digits}.',
    voiceTransaction: 'Ihr {service} Code für eine Überweisung von {amount} an {payee} lautet {digits}. Noch einmal: {digits}.',
    phoneChanged: 'Ihre {service} Telefonnummer wurde auf eine Nummer mit Endung {last2} geändert. Waren Sie das nicht, melden Sie sich sofort beim Support.',
    backupCodeUsed: 'Ein {service} Backup-Code wurde gerade zur Anmeldung verwendet. Waren Sie das nicht, melden Sie sich sofort beim Support.',
    backupCodesRegenerated: 'Ihre {service} Backup-Codes wurden neu erstellt. Waren Sie das nicht, melden Sie sich sofort beim Support.',
    factorChanged: 'Ihre {service} Anmeldemethoden wurden geändert. Waren Sie das nicht, melden Sie sich sofort beim Support.',
    recoveryStarted: 'Jemand möchte Ihr {service} Konto ohne seine Anmeldemethoden wiederherstellen. Ohne Abbruch werden sie am {date} entfernt. Waren Sie das nicht? Anmelden und abbrechen: {link}',
    recoveryReminder: 'Erinnerung: Eine Kontowiederherstellung entfernt am {date} Ihre {service} Anmeldemethoden. Waren Sie das nicht? Anmelden und abbrechen: {link}',
    recoveryCancelled: 'Die Wiederherstellung Ihres {service} Kontos wurde abgebrochen. Waren Sie das nicht, ändern Sie sofort Ihr Passwort.',
    recoveryCompleted: 'Ihr {service} Konto wurde wiederhergestellt und seine Anmeldemethoden entfernt. Waren Sie das nicht, melden Sie sich sofort beim Support.',
  },
  fr: {
    code: '{code} est votre code de vérification {service}. Ne le partagez pas.',
    transaction: '{code} est votre code {service} pour un virement de {amount} à {payee}. Ne le partagez pas.',
    voice: 'Votre code de vérification {service} est {digits}. Je répète : {digits}.',
    voiceTransaction: 'Votre code {service} pour un virement de {amount} à {payee} est {digits}. Je répète : {digits}.',
    phoneChanged: 'Votre numéro {service} a été remplacé par un numéro finissant par {last2}. Si ce n\'est pas vous, contactez le support.',
    backupCodeUsed: 'Un code de secours {service} vient d\'être utilisé pour se connecter. Si ce n\'est pas vous, contactez le support.',
    backupCodesRegenerated: 'Vos codes de secours {service} ont été régénérés. Si ce n\'est pas vous, contactez le support.',
    factorChanged: 'Vos méthodes de connexion {service} ont été modifiées. Si ce n\'est pas vous, contactez le support.',
    recoveryStarted: 'Quelqu\'un demande à récupérer votre compte {service} sans ses méthodes de connexion. Sauf annulation, elles seront supprimées le {date}. Pas vous ? Connectez-vous et annulez : {link}',
    recoveryReminder: 'Rappel : une récupération de compte supprimera vos méthodes de connexion {service} le {date}. Pas vous ? Connectez-vous et annulez : {link}',
    recoveryCancelled: 'La récupération de votre compte {service} a été annulée. Si ce n\'est pas vous, changez votre mot de passe maintenant.',
    recoveryCompleted: 'Votre compte {service} a été récupéré et ses méthodes de connexion supprimées. Si ce n\'est pas vous, contactez le support.',
  },
  es: {
    code: '{code} es tu código de verificación de {service}. No lo compartas.',
    transaction: '{code} es tu código de {service} para aprobar una transferencia de {amount} a {payee}. No lo compartas.',
    voice: 'Tu código de verificación de {service} es {digits}. Repito: {digits}.',
    voiceTransaction: 'Tu código de {service} para aprobar una transferencia de {amount} a {payee} es {digits}. Repito: {digits}.',
    phoneChanged: 'Tu número de {service} se cambió por uno que termina en {last2}. Si no fuiste tú, contacta con soporte ya.',
    backupCodeUsed: 'Se acaba de usar un código de respaldo de {service} para entrar. Si no fuiste tú, contacta con soporte ya.',
    backupCodesRegenerated: 'Tus códigos de respaldo de {service} se han regenerado. Si no fuiste tú, contacta con soporte ya.',
    factorChanged: 'Tus métodos de acceso de {service} han cambiado. Si no fuiste tú, contacta con soporte ya.',
    recoveryStarted: 'Alguien pidió recuperar tu cuenta de {service} sin sus métodos de acceso. Si no se cancela, se eliminarán el {date}. ¿No fuiste tú? Entra y cancela: {link}',
    recoveryReminder: 'Recordatorio: una recuperación de cuenta eliminará tus métodos de acceso de {service} el {date}. ¿No fuiste tú? Entra y cancela: {link}',
    recoveryCancelled: 'Se canceló la recuperación de tu cuenta de {service}. Si no la cancelaste tú, cambia tu contraseña ya.',
    recoveryCompleted: 'Tu cuenta de {service} se recuperó y sus métodos de acceso se eliminaron. Si no fuiste tú, contacta con soporte ya.',
  },
  pt: {
    code: '{code} é o seu código de verificação {service}. Não o partilhe.',
    transaction: '{code} é o seu código {service} para aprovar uma transferência de {amount} para {payee}. Não o partilhe.',
    voice: 'O seu código de verificação {service} é {digits}. Repito: {digits}.',
    voiceTransaction: 'O seu código {service} para aprovar uma transferência de {amount} para {payee} é {digits}. Repito: {digits}.',
    phoneChanged: 'O seu número {service} foi alterado para um número terminado em {last2}. Se não foi você, contacte o suporte.',
    backupCodeUsed: 'Um código de recuperação {service} foi usado para entrar. Se não foi você, contacte o suporte.',
    backupCodesRegenerated: 'Os seus códigos de recuperação {service} foram gerados de novo. Se não foi você, contacte o suporte.',
    factorChanged: 'Os seus métodos de acesso {service} foram alterados. Se não foi você, contacte o suporte.',
    recoveryStarted: 'Alguém pediu para recuperar a sua conta {service} sem os métodos de acesso. Se não for cancelada, serão removidos a {date}. Não foi você? Entre e cancele: {link}',
    recoveryReminder: 'Lembrete: uma recuperação de conta vai remover os seus métodos de acesso {service} a {date}. Não foi você? Entre e cancele: {link}',
    recoveryCancelled: 'A recuperação da sua conta {service} foi cancelada. Se não foi você, altere já a sua palavra-passe.',
    recoveryCompleted: 'A sua conta {service} foi recuperada e os métodos de acesso removidos. Se não foi você, contacte o suporte.',
  },
};

export const DEFAULT_LOCALE = 'en';

export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
