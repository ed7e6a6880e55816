package fakeppm

import (
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// AzureAudience is the audience of every Azure Pipelines OIDC token; a PPM
// that trusts Azure Pipelines has it as its IdentityFederation Audience
// (Options.IdentityAudience).
const AzureAudience = "api://AzureADTokenExchange"

// AzureSubject is the sub claim of the Azure stand-in's tokens.
const AzureSubject = "p://fakeorg/demo/build"

// AzureOidcRequestURI is the stand-in for Azure Pipelines'
// System.OidcRequestUri; clients add ?api-version=7.1-preview.1.
func (s *Server) AzureOidcRequestURI() string { return s.URL() + "/__azure__/oidctoken" }

// AzureAccessToken is the stand-in for System.AccessToken, the bearer token
// the request URI requires. Once handed out it is among Secrets.
func (s *Server) AzureAccessToken() string { return s.remember(s.azToken) }

// handleAzureToken plays Azure Pipelines' OIDC token request:
// POST /__azure__/oidctoken?api-version=7.1-preview.1 with
// `Authorization: Bearer <AzureAccessToken()>` answers {"oidcToken": "<jwt>"},
// a 10-minute JWT from the fake's identity provider with aud AzureAudience.
func (s *Server) handleAzureToken(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.azToken)) != 1 {
		note(w, "bad access token")
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "TF400813: The user is not authorized to access this resource."})
		return
	}
	if r.URL.Query().Get("api-version") != "7.1-preview.1" {
		note(w, "no api-version")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "api-version=7.1-preview.1 is required"})
		return
	}
	now := s.now()
	tok := s.remember(signJWT(s.idpKey, map[string]any{
		"iss": idpIssuer, "aud": AzureAudience, "sub": AzureSubject,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"jti": "az-" + hex.EncodeToString(randomBytes(6)),
	}))
	note(w, "issued an Azure Pipelines OIDC token")
	writeJSON(w, http.StatusOK, map[string]string{"oidcToken": tok})
}
