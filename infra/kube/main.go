// kube-local runs etcd, kube-apiserver and kube-controller-manager as subcommands of one binary
// (hyperkube style) so the local stack needs no Docker, kind or downloaded release binaries. Its kubectl
// subcommand is the kubectl of the same Kubernetes version (the benchmarks compare against it).
package main

import (
	"fmt"
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcm "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kube-local etcd|kube-apiserver|kube-controller-manager|kubectl|certs [flags]")
		os.Exit(2)
	}
	sub, rest := os.Args[1], os.Args[2:]
	switch sub {
	case "etcd":
		etcdmain.Main(append([]string{"etcd"}, rest...))
	case "kube-apiserver":
		c := apiserver.NewAPIServerCommand()
		c.SetArgs(rest)
		os.Exit(cli.Run(c))
	case "kube-controller-manager":
		c := kcm.NewControllerManagerCommand()
		c.SetArgs(rest)
		os.Exit(cli.Run(c))
	case "kubectl":
		// As k8s.io/kubernetes/cmd/kubectl does; kubectl reads os.Args itself (plugins, verbosity), so it
		// sees the arguments as if it were its own binary.
		os.Args = append([]string{"kubectl"}, rest...)
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "certs":
		if err := writeCerts(rest); err != nil {
			fmt.Fprintln(os.Stderr, "certs:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown subcommand", sub)
		os.Exit(2)
	}
}
