import type { AlertKind } from '../alerts/alertKindOf';

/**
 * The words of security alerts that have no SMS template of their own (a changed number, new
 * backup codes and other factor changes keep theirs: `sms.templates.phoneChanged`,
 * `backupCodesRegenerated`, `factorChanged`). Each says what happened and what to do, and fits
 * one GSM-7 segment once folded (a unit test checks every locale with a 20-character service
 * name). Placeholders: `{service}`, `{country}` (the country's name in the alert's language),
 * `{factor}` (the method's name in that language).
 */
export type AlertTemplateSet = Readonly<Record<OwnAlertKind, string>>;
export type OwnAlertKind = Exclude<AlertKind, 'phone_changed' | 'backup_codes_regenerated' | 'factor_changed'>;

export const ALERT_TEMPLATES: Readonly<Record<string, AlertTemplateSet>> = {
  en: {
    new_device: 'New sign-in to {service} on a new device. If this was not you, change your password now: someone knows it.',
    new_country: 'New sign-in to {service} from {country}. If this was not you, change your password now: someone knows it.',
    lockout: '{service}: too many wrong codes, so the second step is paused. If this was not you, change your password now.',
    factor_added: 'A sign-in method ({factor}) was added to your {service} account. If this was not you, contact support now.',
    factor_removed: 'A sign-in method ({factor}) was removed from your {service} account. If this was not you, contact support now.',
    recovery_started: 'Recovery of your {service} account was started. If this was not you, sign in and cancel it now.',
    recovery_reminder: 'Recovery of your {service} account ends soon and resets your sign-in methods. If this was not you, sign in and cancel it.',
    recovery_cancelled: 'Recovery of your {service} account was cancelled. If this was not you, sign in and check your account.',
    recovery_completed: 'Recovery of your {service} account is done: old sign-in methods were removed. If this was not you, contact support now.',
  },
  de: {
    new_device: 'Neue Anmeldung bei {service} auf einem neuen Gerät. Waren Sie das nicht, ändern Sie sofort Ihr Passwort.',
    new_country: 'Neue Anmeldung bei {service} (Land: {country}). Waren Sie das nicht, ändern Sie sofort Ihr Passwort.',
    lockout: '{service}: zu viele falsche Codes, der zweite Schritt ist gesperrt. Waren Sie das nicht, ändern Sie sofort Ihr Passwort.',
    factor_added: 'Neue Anmeldemethode ({factor}) in Ihrem {service} Konto. Waren Sie das nicht, melden Sie sich sofort beim Support.',
    factor_removed: 'Anmeldemethode ({factor}) aus Ihrem {service} Konto entfernt. Waren Sie das nicht, melden Sie sich sofort beim Support.',
    recovery_started: 'Für Ihr {service} Konto wurde eine Wiederherstellung gestartet. Waren Sie das nicht, melden Sie sich an und brechen Sie sie ab.',
    recovery_reminder: 'Die Wiederherstellung Ihres {service} Kontos endet bald. Waren Sie das nicht, melden Sie sich an und brechen Sie sie ab.',
    recovery_cancelled: 'Die Wiederherstellung Ihres {service} Kontos wurde abgebrochen. Waren Sie das nicht, prüfen Sie Ihr Konto.',
    recovery_completed: 'Ihr {service} Konto wurde wiederhergestellt, alte Methoden entfernt. Waren Sie das nicht, melden Sie sich beim Support.',
  },
  fr: {
    new_device: 'Nouvelle connexion à {service} sur un nouvel appareil. Si ce n\'est pas vous, changez votre mot de passe.',
    new_country: 'Nouvelle connexion à {service} (pays : {country}). Si ce n\'est pas vous, changez votre mot de passe.',
    lockout: '{service} : trop de codes erronés, la vérification est suspendue. Si ce n\'est pas vous, changez votre mot de passe.',
    factor_added: 'Méthode de connexion ajoutée ({factor}) à votre compte {service}. Si ce n\'est pas vous, contactez le support.',
    factor_removed: 'Méthode de connexion retirée ({factor}) de votre compte {service}. Si ce n\'est pas vous, contactez le support.',
    recovery_started: 'Une récupération de votre compte {service} a commencé. Si ce n\'est pas vous, connectez-vous et annulez-la.',
    recovery_reminder: 'La récupération de votre compte {service} se termine bientôt. Si ce n\'est pas vous, connectez-vous et annulez-la.',
    recovery_cancelled: 'La récupération de votre compte {service} a été annulée. Si ce n\'est pas vous, vérifiez votre compte.',
    recovery_completed: 'Votre compte {service} a été récupéré, anciennes méthodes retirées. Si ce n\'est pas vous, contactez le support.',
  },
  es: {
    new_device: 'Nuevo acceso a {service} en un dispositivo nuevo. Si no fuiste tú, cambia tu contraseña ya: alguien la conoce.',
    new_country: 'Nuevo acceso a {service} desde {country}. Si no fuiste tú, cambia tu contraseña ya: alguien la conoce.',
    lockout: '{service}: demasiados códigos erróneos, el segundo paso está en pausa. Si no fuiste tú, cambia tu contraseña ya.',
    factor_added: 'Se añadió un método de acceso ({factor}) a tu cuenta de {service}. Si no fuiste tú, contacta con soporte ya.',
    factor_removed: 'Se quitó un método de acceso ({factor}) de tu cuenta de {service}. Si no fuiste tú, contacta con soporte ya.',
    recovery_started: 'Se inició la recuperación de tu cuenta de {service}. Si no fuiste tú, entra y cancélala ya.',
    recovery_reminder: 'La recuperación de tu cuenta de {service} termina pronto. Si no fuiste tú, entra y cancélala ya.',
    recovery_cancelled: 'Se canceló la recuperación de tu cuenta de {service}. Si no fuiste tú, entra y revisa tu cuenta.',
    recovery_completed: 'Se recuperó tu cuenta de {service} y se quitaron los métodos anteriores. Si no fuiste tú, contacta con soporte ya.',
  },
  pt: {
    new_device: 'Novo acesso a {service} num novo dispositivo. Se não foi você, mude já a sua palavra-passe: alguém a conhece.',
    new_country: 'Novo acesso a {service} (país: {country}). Se não foi você, mude já a sua palavra-passe: alguém a conhece.',
    lockout: '{service}: demasiados códigos errados, o segundo passo está em pausa. Se não foi você, mude já a sua palavra-passe.',
    factor_added: 'Foi adicionado um método de acesso ({factor}) à sua conta {service}. Se não foi você, contacte o suporte.',
    factor_removed: 'Foi removido um método de acesso ({factor}) da sua conta {service}. Se não foi você, contacte o suporte.',
    recovery_started: 'Foi iniciada a recuperação da sua conta {service}. Se não foi você, entre e cancele-a já.',
    recovery_reminder: 'A recuperação da sua conta {service} termina em breve. Se não foi você, entre e cancele-a já.',
    recovery_cancelled: 'A recuperação da sua conta {service} foi cancelada. Se não foi você, entre e verifique a sua conta.',
    recovery_completed: 'A sua conta {service} foi recuperada e os métodos antigos removidos. Se não foi você, contacte o suporte.',
  },
};

/** A sign-in method as the alerts name it, per locale (`{factor}`). */
export const ALERT_FACTOR_NAMES: Readonly<Record<string, Readonly<Record<'sms' | 'otp' | 'webauthn' | 'backup' | 'other', string>>>> = {
  en: { sms: 'phone number', otp: 'authenticator app', webauthn: 'passkey', backup: 'backup codes', other: 'other' },
  de: { sms: 'Telefonnummer', otp: 'Authenticator-App', webauthn: 'Passkey', backup: 'Backup-Codes', other: 'andere' },
  fr: { sms: 'numéro de téléphone', otp: 'application d\'authentification', webauthn: 'clé d\'accès', backup: 'codes de secours', other: 'autre' },
  es: { sms: 'número de teléfono', otp: 'app de autenticación', webauthn: 'llave de acceso', backup: 'códigos de respaldo', other: 'otro' },
  pt: { sms: 'número de telefone', otp: 'app de autenticação', webauthn: 'chave de acesso', backup: 'códigos de recuperação', other: 'outro' },
};
