// Three philosophers, each holding its left fork while it takes the right one.
#include <pthread.h>

static pthread_mutex_t fork0 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork2 = PTHREAD_MUTEX_INITIALIZER;
static int meals;

static void *philosopher0(void *arg)
{
	pthread_mutex_lock(&fork0);
	pthread_mutex_lock(&fork1);
	meals++;
	pthread_mutex_unlock(&fork1);
	pthread_mutex_unlock(&fork0);
	return NULL;
}

static void *philosopher1(void *arg)
{
	pthread_mutex_lock(&fork1);
	pthread_mutex_lock(&fork2);
	meals++;
	pthread_mutex_unlock(&fork2);
	pthread_mutex_unlock(&fork1);
	return NULL;
}

static void *philosopher2(void *arg)
{
	pthread_mutex_lock(&fork2);
	pthread_mutex_lock(&fork0);
	meals++;
	pthread_mutex_unlock(&fork0);
	pthread_mutex_unlock(&fork2);
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	pthread_create(&t[0], NULL, philosopher0, NULL);
	pthread_create(&t[1], NULL, philosopher1, NULL);
	pthread_create(&t[2], NULL, philosopher2, NULL);
	return 0;
}
