/** The minimal GitLab sign-in page shown by /oauth/authorize when auto-approve is off. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function signInPage(hidden: Record<string, string>, alert?: string): string {
  const fields = Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
    .join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · GitLab</title></head>
<body>
<h1>GitLab (emulator)</h1>
${alert ? `<p role="alert" class="flash-alert">${escape(alert)}</p>` : ""}
<form method="post" action="/oauth/authorize" id="new_user">
${fields}
<label for="user_login">Username or primary email</label> <input id="user_login" name="login" autocomplete="username" required>
<label for="user_password">Password</label> <input id="user_password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" data-testid="sign-in-button">Sign in</button>
</form>
</body></html>`;
}

export function errorPage(title: string, description: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · GitLab</title></head>
<body><h1>An error has occurred</h1><h2>${escape(title)}</h2><p>${escape(description)}</p></body></html>`;
}
