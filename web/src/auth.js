// Sign up, sign in, refresh and sign out with the standard Cognito user pool APIs, called from the browser.
// Tokens live in sessionStorage (this tab only, gone when it closes); no cookie is ever set.
import { getConfig } from "./config.js";

const KEY = "wfe.session";
const REFRESH_MARGIN_MS = 5 * 60 * 1000; // refresh this long before the ID token expires
let refreshTimer = null;
const listeners = new Set();

export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
  }
}

function endpoint() {
  const { CognitoEndpoint, Region } = getConfig();
  return CognitoEndpoint || `https://cognito-idp.${Region}.amazonaws.com/`;
}

async function cognito(action, body) {
  const response = await fetch(endpoint(), {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const type = (data.__type || response.headers.get("x-amzn-errortype") || "Error").split("#").pop().split(":")[0];
    throw new CognitoError(type, data.message || data.Message || type);
  }
  return data;
}

export function decodeJwt(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const json = decodeURIComponent(atob(payload).split("").map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""));
  return JSON.parse(json);
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

function store(result, username, previousRefresh) {
  const claims = decodeJwt(result.IdToken);
  const value = {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken || previousRefresh,
    username: claims["cognito:username"] || username,
    sub: claims.sub,
    expiresAt: claims.exp * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(value));
  scheduleRefresh();
  listeners.forEach((listener) => listener(value));
  return value;
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

export async function signUp(username, password) {
  const { UserPoolClientId } = getConfig();
  return cognito("SignUp", { ClientId: UserPoolClientId, Username: username, Password: password });
}

export async function confirmSignUp(username, code) {
  const { UserPoolClientId } = getConfig();
  return cognito("ConfirmSignUp", { ClientId: UserPoolClientId, Username: username, ConfirmationCode: code });
}

export async function signIn(username, password) {
  const { UserPoolClientId } = getConfig();
  const data = await cognito("InitiateAuth", {
    ClientId: UserPoolClientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (!data.AuthenticationResult) throw new CognitoError(data.ChallengeName || "Challenge", `Sign-in needs ${data.ChallengeName}, which this app does not support`);
  return store(data.AuthenticationResult, username);
}

export async function refresh() {
  const current = session();
  if (!current?.refreshToken) throw new CognitoError("NotAuthorizedException", "No session to refresh");
  const { UserPoolClientId } = getConfig();
  const data = await cognito("InitiateAuth", {
    ClientId: UserPoolClientId,
    AuthFlow: "REFRESH_TOKEN_AUTH",
    AuthParameters: { REFRESH_TOKEN: current.refreshToken },
  });
  return store(data.AuthenticationResult, current.username, current.refreshToken);
}

export function signOut() {
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(null));
}

// The ID token to send, refreshed first when it is about to expire; null when signed out.
export async function currentToken() {
  const current = session();
  if (!current) return null;
  if (current.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    try {
      return (await refresh()).idToken;
    } catch {
      signOut();
      return null;
    }
  }
  return current.idToken;
}

export function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const current = session();
  if (!current?.refreshToken) return;
  const wait = Math.max(0, current.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => refresh().catch(() => signOut()), Math.min(wait, 2 ** 31 - 1));
}
