/** A credential for one registry, as found in a Docker config.json or a Kubernetes pull secret. */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (docker config `identitytoken`), exchanged at the token realm. */
  | { kind: 'identityToken'; token: string }
  /** A bearer token used as is (docker config `registrytoken`). */
  | { kind: 'registryToken'; token: string };

/** A credential together with the config key it was stored under (`https://index.docker.io/v1/`, `myregistry.io/team`, `*.azurecr.io`). */
export interface KeyedCredential {
  key: string;
  credential: Credential;
  /** Where it came from, for error messages: `pull secret default/regcred`, `~/.docker/config.json`. Never the secret itself. */
  source: string;
}
