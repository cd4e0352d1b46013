import socket
NAME = 'demo'
EXIT = 5 if socket.__name__ == 'usocket' else 6
