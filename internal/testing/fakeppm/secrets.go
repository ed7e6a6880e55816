package fakeppm

// remember records a secret for Secrets and returns it.
func (s *Server) remember(secret string) string {
	if secret == "" {
		return secret
	}
	s.mu.Lock()
	s.secrets = append(s.secrets, secret)
	s.mu.Unlock()
	return secret
}

// Secrets returns every secret the server has handed out or been sent so
// far: PPM tokens, identity tokens (IssueIdentityToken), device codes and
// the code verifiers clients sent. Leak checks look for each of them in
// what a client printed or logged; the list is the oracle, independent of
// any pattern the client itself uses to redact.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}
