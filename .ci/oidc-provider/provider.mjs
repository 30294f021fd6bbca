// The OpenID provider the sign-in tests run against: panva's oidc-provider (OpenID Certified),
// on 127.0.0.1 at a free port. Prints {"issuer": "..."} once it listens; exits when its stdin
// closes (when the test process that started it ends).
//
// One client, "groundwork" (secret "groundwork-secret"), a native-type client so that its
// loopback redirect URL http://127.0.0.1/login/test/callback matches any port (RFC 8252 7.3),
// as each test's server listens on its own port. PKCE is required. The dev interactions' login
// form accepts any login name (and any password); the name is the account's `sub` and chooses
// its claims (the email is the name without the prefixes below):
//   name@example.edu                email = the name, email_verified true
//   plain-name                      email = plain-name@example.test
//   unverified-…                    email_verified false
//   noemail-…                       no email claim
// and, to test the relying party's checks with tokens signed by this provider's own key, the
// ID token the token endpoint returns is changed after the provider made it for:
//   other-audience-…                aud = "another-app"
//   expired-…                       exp five minutes ago
//   mfa-…                           amr = ["pwd", "otp"] (the provider reports two factors)
//   rotated-…                       signed with a second key, which the JWKS then publishes
//                                   (a key rotation the relying party has not yet seen)
import http from 'node:http';
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';

async function signingKey(kid) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, jwk, publicJwk };
}

const first = await signingKey('k1');
const second = await signingKey('k2');
let rotated = false;

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'groundwork',
    client_secret: 'groundwork-secret',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/login/test/callback', 'http://127.0.0.1/login/school/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  jwks: { keys: [first.jwk] },
  cookies: { keys: ['groundwork-test-provider'] },
  findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const address = id.replace(/^(unverified|noemail|other-audience|expired|mfa|rotated)-/, '');
        const claims = { sub: id, name: address.split('@')[0] };
        if (!id.startsWith('noemail-')) {
          claims.email = address.includes('@') ? address : `${address}@example.test`;
          claims.email_verified = !id.startsWith('unverified-');
        }
        return claims;
      },
    };
  },
  // The scopes are granted without asking (oidc-provider still shows one "Continue" step to
  // native-type clients).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

// The changed ID tokens described above, re-signed as the provider would sign them.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/jwks' && rotated && ctx.body?.keys) {
    ctx.body = { keys: [...ctx.body.keys, second.publicJwk] };
  }
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  let key = first;
  if (claims.sub.startsWith('other-audience-')) claims.aud = 'another-app';
  else if (claims.sub.startsWith('expired-')) { claims.iat = now - 3900; claims.exp = now - 300; }
  else if (claims.sub.startsWith('mfa-')) claims.amr = ['pwd', 'otp'];
  else if (claims.sub.startsWith('rotated-')) { rotated = true; key = second; }
  else return;
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid })
      .sign(key.privateKey),
  };
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
