// Gatehouse's GraphiQL page: GraphiQL with Monaco's workers served by
// Gatehouse itself, queries to /graphql, subscriptions to /graphql/ws.
// build.sh bundles it; nothing is fetched from elsewhere.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';

globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(`/graphiql/${name}.worker.js`);
  },
};

const origin = window.location.origin;
const fetcher = createGraphiQLFetcher({
  url: `${origin}/graphql`,
  // The headers below go in `connection_init`, which is where /graphql/ws
  // reads the credentials.
  subscriptionUrl: `${origin.replace(/^http/, 'ws')}/graphql/ws`,
});

const defaultHeaders = `{
  // Run LogIn (or use an API key or an OAuth
  // access token), then pass the token with every
  // request, subscriptions included:
  // "Authorization": "Bearer <token>"
}
`;

const defaultQuery = `# Gatehouse's GraphiQL. Run LogIn with your
# password, put its token in Headers below, then
# run Me. The documentation explorer (top left)
# shows the whole schema.

mutation LogIn {
  login(input: { login: "admin", password: "" }) {
    token
    expiresAt
  }
}

query Me {
  me {
    user {
      id
      username
    }
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultHeaders, defaultQuery }),
);
