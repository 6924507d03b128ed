package web

import (
	"strings"
)

// AuditWords is what a wing may add to the Module interface: the words of
// its audit actions and entities, so that the audit page says "Hazard
// changed" and not hazard.update. Keys are a whole action ("recall.match")
// or an entity ("hazard").
type AuditWords interface {
	AuditWords() map[string]string
}

// kernelAuditWords are the kernel's entities and the actions whose verb
// alone does not say it.
var kernelAuditWords = map[string]string{
	"org": "Organisation", "user": "Person", "token": "API token", "invitation": "Invitation", "session": "Session", "network": "Network",
	"network.member_add":     "Organisation added to network",
	"network.member_remove":  "Organisation removed from network",
	"network.analyst_add":    "Network analyst added",
	"network.analyst_remove": "Network analyst removed",
	"session.start":          "Signed in",
	"session.end":            "Signed out",
	"session.switch_org":     "Switched organisation",
	"user.member":            "Membership or roles changed",
	"user.password":          "Password changed",
	"user.export":            "Personal data exported",
	"invitation.accept":      "Invitation accepted",
	"invitation.revoke":      "Invitation withdrawn",
	"token.revoke":           "API token revoked",
	"schema.migrate":         "Changed by a database upgrade",
}

// auditVerbs word the common verbs after an entity's name.
var auditVerbs = map[string]string{
	"create": "added", "update": "changed", "delete": "deleted", "import": "imported", "bulk_import": "imported in bulk",
	"issue": "issued", "remove": "removed", "status": "status changed", "export": "exported",
}

func auditWords(mods []Module) map[string]string {
	out := map[string]string{}
	for k, v := range kernelAuditWords {
		out[k] = v
	}
	for _, m := range mods {
		if aw, ok := m.(AuditWords); ok {
			for k, v := range aw.AuditWords() {
				out[k] = v
			}
		}
	}
	return out
}

// actionWords says an audit action in words: the whole action's words, or
// its entity's name and verb ("Hazard changed"), or, for an action nobody
// has worded, the code itself.
func (s *Server) actionWords(action string) string {
	if w, ok := s.auditWords[action]; ok {
		return w
	}
	entity, verb, _ := strings.Cut(action, ".")
	name, ok := s.auditWords[entity]
	v, vok := auditVerbs[verb]
	if !ok || !vok {
		return action
	}
	return name + " " + v
}
