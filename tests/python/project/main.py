# A device project: main.py runs at boot with its own modules beside it.
import sys
import app_config
import usocket
print('project', app_config.NAME, len(sys.argv), sys.argv[1:])
sys.exit(app_config.EXIT)
