module cruddur.local/k8s/cluster/probe

go 1.26.0
