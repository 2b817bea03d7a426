export { createDocLink, listDocLinks, revokeDocLink, docLinkUrl } from './links';
export {
  DOC_GUEST_COOKIE, blankDocGuestCookie, closeDocGuestSession, docGuestAccess, docGuestFromCookie, docGuestMe, openDocLink,
  setDocGuestName, type DocGuest,
} from './session';
