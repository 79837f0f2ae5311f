// Gatehouse's pages for the links of its emails. Each form names its flow
// (`data-flow`): the GraphQL mutation it sends through POST /graphql, with
// the token of the page's link, and whose outcome it shows. A form marked
// `data-token="required"` shows only when the link carries a token, one
// marked `data-token="absent"` only when it does not.
"use strict";

const FLOWS = {
  "complete-password-reset": {
    query: "mutation CompletePasswordReset($token: String!, $newPassword: String!) { completePasswordReset(token: $token, newPassword: $newPassword) }",
    refusal: (form) =>
      form.elements.password.value === form.elements.confirmation.value
        ? null
        : "The two passwords differ.",
    variables: (form, token) => ({ token, newPassword: form.elements.password.value }),
    done: (data) => data.completePasswordReset === true,
  },
  "request-password-reset": {
    query: "mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }",
    refusal: () => null,
    variables: (form) => ({ email: form.elements.email.value }),
    done: (data) => data.requestPasswordReset === true,
  },
  "confirm-email": {
    query: "mutation ConfirmEmail($token: String!) { confirmCustomerUserEmail(token: $token) }",
    refusal: () => null,
    variables: (_form, token) => ({ token }),
    done: (data) => data.confirmCustomerUserEmail === true,
  },
};

// Shows `lines` in the outcome box, as done or refused.
function show(kind, lines) {
  const outcome = document.getElementById("outcome");
  outcome.replaceChildren(
    ...lines.map((line) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = line;
      return paragraph;
    }),
  );
  outcome.className = kind;
  outcome.hidden = false;
}

// What the errors of a GraphQL response say, for people: each invalid
// field's message (the password rules that failed), else the message.
function problems(errors) {
  const lines = [];
  for (const error of errors) {
    const fields = (error.extensions && error.extensions.fields) || [];
    if (fields.length > 0) {
      for (const field of fields) {
        lines.push(capitalized(field.message));
      }
    } else {
      lines.push(capitalized(error.message || "The request was refused."));
    }
  }
  return lines;
}

function capitalized(text) {
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
}

async function send(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "omit",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query, variables }),
  });
  try {
    return await response.json();
  } catch {
    return { errors: [{ message: `the server answered ${response.status}` }] };
  }
}

async function submit(form, flow, token) {
  const refusal = flow.refusal(form);
  if (refusal) {
    show("refused", [refusal]);
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const body = await send(flow.query, flow.variables(form, token));
    if (body.data && flow.done(body.data)) {
      form.hidden = true;
      show("done", [form.dataset.done]);
    } else {
      show("refused", problems(body.errors || []));
    }
  } catch {
    show("refused", ["The server cannot be reached; try again shortly."]);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const token = new URLSearchParams(window.location.search).get("token");
  let shown = 0;
  for (const form of document.querySelectorAll("form[data-flow]")) {
    const flow = FLOWS[form.dataset.flow];
    const wanted = form.dataset.token;
    form.hidden = !flow || (wanted === "required" && !token) || (wanted === "absent" && !!token);
    if (!form.hidden) {
      shown += 1;
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(form, flow, token);
    });
  }
  if (shown === 0) {
    for (const note of document.querySelectorAll("[data-no-token]")) {
      note.hidden = false;
    }
  }
});
