/**
 * Tell the server the browser's time zone (the "tz" cookie), so that forms
 * show and take times in it and say so; without it they use UTC and say that.
 */
const ONE_YEAR_S = 365 * 24 * 3600;

/** Return the cookie that remembers zone, or null when there is no zone to tell. */
export function zoneCookie(zone) {
  // IANA names ("America/New_York", "Etc/GMT+5") need no escaping in a cookie,
  // and the server reads the value as it is.
  if (!zone || !/^[A-Za-z0-9_+\-/]+$/.test(zone)) return null;
  return `tz=${zone}; path=/; max-age=${ONE_YEAR_S}; SameSite=Lax`;
}

if (typeof document !== "undefined") {
  const cookie = zoneCookie(Intl.DateTimeFormat().resolvedOptions().timeZone);
  if (cookie && !document.cookie.split("; ").includes(cookie.split(";")[0])) document.cookie = cookie;
}
