//go:build tools

// Wrapper module so `go build go.etcd.io/etcd/server/v3` works: etcd's own go.mod has
// replace directives that make `go install …@version` fail.
package tools

import _ "go.etcd.io/etcd/server/v3"
