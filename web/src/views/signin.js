// Sign in and sign up against the stack's Cognito user pool.
import { confirmSignUp, signIn, signUp } from "../auth.js";
import { field, h, render } from "../ui.js";

const MESSAGES = {
  NotAuthorizedException: "Wrong username or password.",
  UserNotFoundException: "Wrong username or password.",
  UserNotConfirmedException: "This account is not confirmed yet: enter the code you received, or ask an administrator.",
  UsernameExistsException: "This username is taken: choose another, or sign in.",
  InvalidPasswordException: "The password does not meet the policy: at least 12 characters with upper and lower case letters, a digit and a symbol.",
  InvalidParameterException: "Check the username and password: one of them is not accepted.",
  CodeMismatchException: "That code is not right.",
  TooManyRequestsException: "Too many attempts: wait a minute and try again.",
};

function message(error) {
  if (error instanceof TypeError) return "The sign-in service could not be reached.";
  return MESSAGES[error.type] || error.message;
}

function destination(query) {
  const next = query.next || "/executions";
  return next.startsWith("/") && !next.startsWith("/signin") ? `#${next}` : "#/executions";
}

export async function signInView(main, { query }) {
  const username = h("input", { name: "username", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "field-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    query.next ? h("p", { class: "muted" }, "Sign in to continue where you were.") : null,
    field("Username", username), field("Password", password), error,
    h("div", { class: "actions" }, button),
    h("p", {}, "No account yet? ", h("a", { href: `#/signup${query.next ? `?next=${encodeURIComponent(query.next)}` : ""}` }, "Sign up")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      await signIn(username.value.trim(), password.value);
      location.hash = destination(query);
    } catch (failure) {
      error.textContent = message(failure);
      button.disabled = false;
    }
  });
  render(main, form);
  username.focus();
}

export async function signUpView(main, { query }) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, minlength: 1, maxlength: 128 });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true });
  const code = h("input", { name: "code", autocomplete: "one-time-code", inputmode: "numeric" });
  const codeField = field("Confirmation code", code, "The code sent to you when you signed up.");
  codeField.hidden = true;
  const error = h("p", { class: "field-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign up");
  const form = h("form", { class: "card narrow", "aria-labelledby": "signup-title" },
    h("h1", { id: "signup-title" }, "Create an account"),
    field("Username", username),
    field("Password", password, "At least 12 characters, with upper and lower case letters, a digit and a symbol."),
    codeField, error, h("div", { class: "actions" }, button),
    h("p", {}, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in")));
  let awaitingCode = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      if (awaitingCode) {
        await confirmSignUp(username.value.trim(), code.value.trim());
      } else {
        const result = await signUp(username.value.trim(), password.value);
        if (!result.UserConfirmed) {
          awaitingCode = true;
          codeField.hidden = false;
          button.textContent = "Confirm";
          error.textContent = "Almost done: enter the confirmation code.";
          button.disabled = false;
          code.focus();
          return;
        }
      }
      await signIn(username.value.trim(), password.value);
      location.hash = destination(query);
    } catch (failure) {
      error.textContent = message(failure);
      button.disabled = false;
    }
  });
  render(main, form);
  username.focus();
}
