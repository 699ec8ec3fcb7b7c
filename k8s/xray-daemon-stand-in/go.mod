module github.com/cruddur/cruddur-backend/k8s/xray-daemon-stand-in

go 1.26
