export { levelOfAcr, supportedAcrValues, higherLevel, type AcrAliases } from './acrLevels';
export { readAcrRequest, type AcrChoice, type AcrRequest, type AcrRequestParams } from './readAcrRequest';
export { assessOidcLogin, type OidcLoginAssessment, type OidcPolicy } from './assessOidcLogin';
