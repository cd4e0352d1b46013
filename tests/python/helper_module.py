# Imported by stdlib.py and project/main.py: a module of the device program sees the device's socket too.
import socket
sock_module = socket
