package localaws

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// adminPrefix is the reserved path of the control API the localaws command exposes to
// scripts and other processes (the same features as the Go API):
//
//	GET    /_localaws/health                      {"account": ..., "dynamodb": ...}
//	GET    /_localaws/calls                       the call log; DELETE empties it
//	POST   /_localaws/faults                      add a fault, body FaultRequest; answers {"id": n}
//	DELETE /_localaws/faults[/{id}]               remove all faults, or one
//	GET    /_localaws/state                       the kinds that hold objects
//	GET    /_localaws/state?kind=K                the objects of a kind
//	DELETE /_localaws/state?kind=K&id=ID          delete an object out of band
//	POST   /_localaws/hide                        {"kind": K, "id": ID, "reads": n}; no id: the next object created
//	POST   /_localaws/reset                       forget every object, fault, call and session
const adminPrefix = "/_localaws/"

// FaultRequest is the JSON body of POST /_localaws/faults.
type FaultRequest struct {
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Region    string `json:"region"`
	Skip      int    `json:"skip"`
	Times     int    `json:"times"`
	LatencyMS int    `json:"latencyMs"`
	Error     *struct {
		Code      string `json:"code"`
		QueryCode string `json:"queryCode"`
		Message   string `json:"message"`
		Status    int    `json:"status"`
	} `json:"error"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, adminPrefix)
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	bad := func(msg string) { reply(http.StatusBadRequest, map[string]string{"error": msg}) }

	switch {
	case path == "health" && r.Method == http.MethodGet:
		reply(http.StatusOK, map[string]string{"account": s.account, "identity": s.identity, "dynamodb": s.dynamoDB})
	case path == "reset" && r.Method == http.MethodPost:
		s.Reset()
		reply(http.StatusOK, map[string]string{})
	case path == "calls" && r.Method == http.MethodGet:
		reply(http.StatusOK, s.Calls())
	case path == "calls" && r.Method == http.MethodDelete:
		s.ResetCalls()
		reply(http.StatusOK, map[string]string{})
	case path == "faults" && r.Method == http.MethodPost:
		var fr FaultRequest
		if err := json.NewDecoder(r.Body).Decode(&fr); err != nil {
			bad("invalid fault: " + err.Error())
			return
		}
		f := Fault{Service: fr.Service, Operation: fr.Operation, Region: fr.Region, Skip: fr.Skip, Times: fr.Times, Latency: time.Duration(fr.LatencyMS) * time.Millisecond}
		if fr.Error != nil {
			if fr.Error.Code == "" {
				bad("error.code is required")
				return
			}
			f.Err = &APIError{Code: fr.Error.Code, QueryCode: fr.Error.QueryCode, Message: fr.Error.Message, Status: fr.Error.Status}
		}
		if f.Err == nil && f.Latency == 0 {
			bad("a fault needs an error or a latency")
			return
		}
		reply(http.StatusOK, map[string]int{"id": s.InjectFault(f)})
	case path == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		reply(http.StatusOK, map[string]string{})
	case strings.HasPrefix(path, "faults/") && r.Method == http.MethodDelete:
		id, err := strconv.Atoi(strings.TrimPrefix(path, "faults/"))
		if err != nil {
			bad("invalid fault id")
			return
		}
		s.RemoveFault(id)
		reply(http.StatusOK, map[string]string{})
	case path == "state" && r.Method == http.MethodGet:
		kind := r.URL.Query().Get("kind")
		if kind == "" {
			reply(http.StatusOK, map[string][]string{"kinds": s.store.Kinds()})
			return
		}
		reply(http.StatusOK, s.store.List(kind))
	case path == "state" && r.Method == http.MethodDelete:
		q := r.URL.Query()
		if !s.store.Delete(q.Get("kind"), q.Get("id")) {
			reply(http.StatusNotFound, map[string]string{"error": "no such object"})
			return
		}
		reply(http.StatusOK, map[string]string{})
	case path == "hide" && r.Method == http.MethodPost:
		var h struct {
			Kind  string `json:"kind"`
			ID    string `json:"id"`
			Reads int    `json:"reads"`
		}
		if err := json.NewDecoder(r.Body).Decode(&h); err != nil || h.Kind == "" || h.Reads <= 0 {
			bad("body must be {\"kind\": K, \"id\": ID (optional), \"reads\": n > 0}")
			return
		}
		if h.ID == "" {
			s.store.HideNext(h.Kind, h.Reads)
		} else {
			s.store.Hide(h.Kind, h.ID, h.Reads)
		}
		reply(http.StatusOK, map[string]string{})
	default:
		reply(http.StatusNotFound, map[string]string{"error": "unknown localaws control path " + r.Method + " " + r.URL.Path})
	}
}
