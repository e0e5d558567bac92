#include "endpoints.h"

#include <sys/stat.h>

static int packaged_layout(void)
{
	struct stat st;
	return stat(PD_RUN_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *pd_default_pub(void)
{
	return packaged_layout() ? PD_IPC_PUB : PD_TCP_PUB;
}

const char *pd_default_control(void)
{
	return packaged_layout() ? PD_IPC_CONTROL : PD_TCP_CONTROL;
}
